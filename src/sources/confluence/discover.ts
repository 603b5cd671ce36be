/**
 * Confluence discovery (contract §12 steps 1–3): the label search (E1), then the
 * descendants of every "all"-labelled root (E2, 100 roots a query), yielded as page
 * records as they arrive. Records are not deduplicated here: a page can come from E1
 * and from E2 (or from two E2 batches), each time with the `selection` known at that
 * point; the dedupe stage keeps one record per id and merges the selections (OR of
 * the label flags, union of `viaAncestors`).
 *
 * Any HTTP or listing-guard error ends the generator with that error, so the cycle
 * aborts before it writes anything to Unique: a partial listing must never be diffed.
 */
import { batches, contentExpand, descendantsCql, discoveryCql, DESCENDANT_BATCH_SIZE } from '../../confluence/cql.js';
import type { ConfluenceApi } from '../../confluence/api.js';
import { ConnectorError } from '../../errors.js';
import { hasLabel, labelNames, mapContent } from '../../confluence/map-content.js';
import type { RawAttachment, ValidContent } from '../../confluence/raw.js';
import type { TenantConfig } from '../../config/types.js';
import type { Logger } from '../../log.js';
import type { PageRecord } from '../../records.js';

/** §13: the types discovery passes on; the content-type filter later drops database, whiteboard and embed. */
export const KNOWN_CONTENT_TYPES: ReadonlySet<string> = new Set(['page', 'blogpost', 'folder', 'database', 'whiteboard', 'embed']);
/** Types whose attachments are ingested, so only they are worth the "more than 25" calls (§12 step 5–6). */
const TYPES_WITH_ATTACHMENTS: ReadonlySet<string> = new Set(['page', 'blogpost']);

export interface DiscoveryReport {
  /**
   * True when the listing is incomplete: `maxItems` cut it short, or Confluence listed
   * items the client could not use (`invalidItems`). The pipeline must not delete what
   * it did not see.
   */
  truncated: boolean;
  /**
   * Listed items without a usable id, type, title, space or version time. Each was
   * skipped with a warning; since its page may well be stored in Unique, the listing
   * counts as incomplete (without this, a page whose `version.when` came back garbled
   * was deleted from Unique as if it had vanished from Confluence).
   */
  invalidItems: number;
  /** Records yielded (a page found twice counts twice). */
  records: number;
  fromLabels: number;
  fromDescendants: number;
  /** Distinct "all"-labelled roots (of any type). */
  allRoots: number;
  /** Items of a type outside §13, skipped with a warning. */
  skippedTypes: number;
  /** Items not in `current` status. */
  skippedStatus: number;
}

export interface DiscoveryOptions {
  api: ConfluenceApi;
  config: TenantConfig;
  logger: Logger;
  /** Stop after this many records (processing.maxItemsToScan); default from the config. */
  maxItems?: number;
  /** Filled while discovery runs, for callers that consume it as a stream and lose the return value. */
  report?: DiscoveryReport;
}

export function emptyReport(): DiscoveryReport {
  return { truncated: false, invalidItems: 0, records: 0, fromLabels: 0, fromDescendants: 0, allRoots: 0, skippedTypes: 0, skippedStatus: 0 };
}

type Phase = 'labels' | 'descendants';

/** Current attachments without the id or file name the connector keys them by. */
function unusableAttachments(raw: readonly RawAttachment[]): number {
  return raw.filter((att) => att !== null && typeof att === 'object' && (att.status === undefined || att.status === 'current') && (typeof att.id !== 'string' || typeof att.title !== 'string')).length;
}

/** Why discovery passes over an item it found: a type outside §13, or a status other than current. */
export function discoverySkip(item: Pick<ValidContent, 'type' | 'status'>): 'type' | 'status' | undefined {
  if (!KNOWN_CONTENT_TYPES.has(item.type)) return 'type';
  if (item.status !== undefined && item.status !== 'current') return 'status';
  return undefined;
}

export async function* discoverPages(options: DiscoveryOptions): AsyncGenerator<PageRecord, DiscoveryReport, undefined> {
  const { api, config, logger } = options;
  const report = Object.assign(options.report ?? emptyReport(), emptyReport());
  const maxItems = options.maxItems ?? config.processing.maxItemsToScan;
  // §17: the read restrictions come with the listing, so withholding costs no request per page.
  const expand = contentExpand(config.ingestion.attachments.enabled, { readRestrictions: config.ingestion.restrictedPages === 'skip' });
  const labels = api.labels;
  const roots = new Set<string>();
  // A page found by E1 and E2 needs its >25 attachment listing once, not twice.
  const completedAttachments = new Map<string, RawAttachment[]>();

  const onInvalid = (): void => {
    report.invalidItems += 1;
    report.truncated = true;
  };

  const toRecord = async (item: ValidContent, phase: Phase): Promise<PageRecord | undefined> => {
    const skip = discoverySkip(item);
    if (skip === 'type') {
      report.skippedTypes += 1;
      logger.warn({ contentId: item.id, contentType: item.type, phase }, 'Skipped Confluence content of an unknown type.');
      return undefined;
    }
    if (skip === 'status') {
      report.skippedStatus += 1;
      logger.debug({ contentId: item.id, status: item.status, phase }, 'Skipped Confluence content that is not current.');
      return undefined;
    }
    let attachments: RawAttachment[] | undefined;
    if (config.ingestion.attachments.enabled && TYPES_WITH_ATTACHMENTS.has(item.type)) {
      attachments = completedAttachments.get(item.id);
      if (attachments === undefined) {
        attachments = await api.listMoreAttachments(item);
        completedAttachments.set(item.id, attachments);
      }
    }
    const record = mapContent(item, { urls: api.urls, labels, allRoots: roots, attachments });
    const unusable = attachments === undefined ? 0 : unusableAttachments(attachments);
    if (unusable > 0) {
      // Like an unusable listing item: what cannot be read is not gone, so this cycle
      // must not delete the stored copies of attachments it could not identify.
      logger.warn({ contentId: item.id, unusable }, 'Confluence discovery skipped unusable attachments; the listing is incomplete.');
      onInvalid();
    }
    return record;
  };


  logger.info({ flavour: api.flavour, maxItems }, 'Confluence discovery started.');
  // Truncation is flagged only when a record beyond the limit exists, so an exact fit still allows deletions.
  const admit = (phase: Phase): boolean => {
    if (maxItems !== undefined && report.records >= maxItems) {
      report.truncated = true;
      return false;
    }
    // Every record is held until the diff: past the listing bound, fail while memory is still plentiful.
    if (report.records >= api.listingLimits.maxItems) throw tooManyItems(api.listingLimits.maxItems);
    report.records += 1;
    if (phase === 'labels') report.fromLabels += 1;
    else report.fromDescendants += 1;
    return true;
  };

  for await (const items of api.searchContent(discoveryCql(api.flavour, labels), expand, { limit: 100, start: 0, onInvalid })) {
    for (const item of items) {
      // §4: a root counts whatever its type or status, so a labelled database still yields its pages.
      if (hasLabel(labelNames(item), labels.all)) roots.add(item.id);
      const record = await toRecord(item, 'labels');
      if (record === undefined) continue;
      if (!admit('labels')) return finish(report, roots, logger);
      yield record;
    }
  }
  report.allRoots = roots.size;
  logger.info({ records: report.fromLabels, allRoots: roots.size }, 'Confluence label search finished.');

  for (const batch of batches([...roots], DESCENDANT_BATCH_SIZE)) {
    for await (const items of api.searchContent(descendantsCql(batch), expand, { limit: 100, onInvalid })) {
      for (const item of items) {
        const record = await toRecord(item, 'descendants');
        if (record === undefined) continue;
        if (!admit('descendants')) return finish(report, roots, logger);
        yield record;
      }
    }
  }
  return finish(report, roots, logger);
}

function tooManyItems(maxItems: number): ConnectorError {
  return new ConnectorError('DISCOVERY_FAILED', `Confluence discovery listed more than ${maxItems} items; stopping before memory runs out (nothing is written or deleted)`, {
    details: { maxItems },
  });
}

function finish(report: DiscoveryReport, roots: ReadonlySet<string>, logger: Logger): DiscoveryReport {
  report.allRoots = roots.size;
  if (report.invalidItems > 0) {
    logger.warn({ ...report }, 'Confluence discovery skipped unusable items; the listing is incomplete.');
  } else if (report.truncated) {
    logger.warn({ ...report }, 'Confluence discovery stopped at maxItemsToScan; the listing is incomplete.');
  } else {
    logger.info({ ...report }, 'Confluence discovery finished.');
  }
  return report;
}
