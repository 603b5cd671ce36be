/**
 * Included pages that changed make their including page changed. Confluence dates a
 * page by its own edits only, so a page that shows another page's body (include,
 * excerpt-include) would otherwise stay stale in Unique until someone edits it.
 *
 * At ingestion the including page's content metadata records `includedPageIds`
 * (sink registration). Before the file-diff, this stage reads each space's stored
 * contents (one `paginatedContent` request per 100 stored items), collects those ids,
 * and dates each including page at the latest of its own time and its included pages'
 * current version times: taken from this cycle's discovery when the included page was
 * discovered, else from one body-less `id IN (…)` search per 100 ids. An included page
 * Confluence no longer shows counts as changed now, so the including page is
 * re-ingested once and its marker (and metadata) brought up to date. Best effort: a
 * failed listing or search leaves the dates as they were, with a warning.
 */
import type { TenantConfig } from '../config/types.js';
import type { ConfluenceApi } from '../confluence/api.js';
import { contentVersions } from '../confluence/versions.js';
import { errorMessage } from '../errors.js';
import { type Logger, stageLogger } from '../log.js';
import type { PageRecord, PipelineRecord } from '../records.js';
import type { ContentApi } from '../unique/content.js';
import { contentKey, pageItemKey, partialKey } from '../unique/keys.js';
import { listStoredContents } from '../unique/stored-contents.js';

export interface IncludedChangesDeps {
  tenant: TenantConfig;
  content: Pick<ContentApi, 'listByPrefix'>;
  api: Pick<ConfluenceApi, 'searchContent'>;
  logger: Logger;
  /** The cycle's clock (tests inject it). */
  now?: () => Date;
}

export interface IncludedChangesResult {
  records: PipelineRecord[];
  /** Including pages dated forward because an included page changed. */
  redated: number;
}

export async function applyIncludedChanges(records: readonly PipelineRecord[], deps: IncludedChangesDeps): Promise<IncludedChangesResult> {
  const log = stageLogger(deps.logger, 'included-changes');
  const { tenant } = deps;
  try {
    const discovered = new Map<string, string>();
    for (const record of records) if (record.kind === 'page') discovered.set(record.id, record.updatedAt);
    // Included page ids per including page, from what Unique stored at the last ingestion.
    const includedBy = new Map<string, string[]>();
    const partialKeys = new Set(records.filter(isPage).map((page) => partialKey(tenant.name, page.space, tenant.ingestion.useV1KeyFormat)));
    for (const partial of partialKeys) {
      const stored = await listStoredContents(deps.content, partial);
      for (const record of records) {
        if (!isPage(record) || partialKey(tenant.name, record.space, tenant.ingestion.useV1KeyFormat) !== partial) continue;
        const ids = includedIds(stored.get(contentKey(partial, pageItemKey(record.id)))?.metadata);
        if (ids.length > 0) includedBy.set(record.id, ids);
      }
    }
    if (includedBy.size === 0) return { records: [...records], redated: 0 };
    const undiscovered = [...new Set([...includedBy.values()].flat())].filter((id) => !discovered.has(id));
    const looked = undiscovered.length > 0 ? await contentVersions(deps.api, undiscovered) : new Map<string, string>();
    const now = (deps.now ?? (() => new Date()))().toISOString();
    let redated = 0;
    const out = records.map((record) => {
      const ids = isPage(record) ? includedBy.get(record.id) : undefined;
      if (!ids || !isPage(record)) return record;
      const latest = ids.map((id) => discovered.get(id) ?? looked.get(id) ?? now).reduce(later, record.updatedAt);
      if (latest === record.updatedAt) return record;
      redated += 1;
      return { ...record, updatedAt: latest };
    });
    log.info({ includingPages: includedBy.size, lookedUp: undiscovered.length, redated }, 'Included page changes checked');
    return { records: out, redated };
  } catch (error) {
    log.warn({ error: errorMessage(error) }, 'Included page changes not checked this cycle');
    return { records: [...records], redated: 0 };
  }
}

function isPage(record: PipelineRecord): record is PageRecord {
  return record.kind === 'page';
}

function includedIds(metadata: Record<string, unknown> | null | undefined): string[] {
  const ids = metadata?.includedPageIds;
  return Array.isArray(ids) ? ids.filter((id): id is string => typeof id === 'string' && /^\d+$/.test(id)) : [];
}

/** The later of two instants, as UTC ISO (an unparseable one loses). */
function later(a: string, b: string): string {
  const ta = Date.parse(a);
  const tb = Date.parse(b);
  if (Number.isNaN(tb)) return a;
  if (Number.isNaN(ta)) return new Date(tb).toISOString();
  return tb > ta ? new Date(tb).toISOString() : a;
}
