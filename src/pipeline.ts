import highland from 'highland';
import { CycleReport, type CycleReportOptions } from './cycle-report.js';
import { errorMessage, isConnectorError } from './errors.js';
import { attachmentPolicy } from './attachment-policy.js';
import type { AttachmentRecord, PageRecord, PipelineRecord, SpaceRef } from './records.js';
import { cleanupDeletedTenant, cleanupOrphanedSpaces, ensureSpaceScopes, initRootScope, type DeletedTenantResult } from './sinks/unique-scopes/index.js';
import { deleteVanished } from './sinks/unique-ingestion/deletions.js';
import { ingestItem } from './sinks/unique-ingestion/ingest-item.js';
import { pageUpsertRequest } from './sinks/unique-ingestion/registration.js';
import { attachmentPayload } from './sinks/unique-ingestion/attachment.js';
import { ndjsonSink } from './sinks/ndjson.js';
import { discoveryStream, emptyReport, type DiscoveryReport } from './sources/confluence/index.js';
import type { TenantRuntime } from './tenant-runtime.js';
import { convertBodyWith } from './transforms/convert-body.js';
import { dedupePages } from './transforms/dedupe.js';
import { planChanges, type ChangePlan } from './transforms/diff.js';
import { fetchBodies } from './transforms/fetch-body.js';
import { filterContentTypes } from './transforms/filter-content-types.js';
import { applyScanBudget, extractAttachments, isAccepted } from './transforms/extract-attachments.js';
import { inlineImagesWith } from './transforms/inline-images/index.js';
import { withholdRestricted, type WithheldPage } from './transforms/restrictions.js';
import { resolveReferences } from './transforms/resolve-references.js';
import { applyIncludedChanges } from './transforms/included-changes.js';

/**
 * The one module that knows the order of the stages. A sync cycle:
 *   scopes init → discovery → dedupe → content-type filter → read restrictions → extract attachments
 *   (page → page + attachment records; scan budget) → diff (barrier on metadata) →
 *   space scopes → pages: fetch bodies → inline images → convert → ingest →
 *   attachments: download streamed into upload → delete vanished → orphaned space scopes.
 * Discovery and the diff finish before the first write, so a failed listing or a
 * tripped safety guard leaves Unique untouched.
 */

export interface CycleResult {
  outcome: 'succeeded' | 'dry-run';
  summary: Record<string, unknown>;
  plan?: ChangePlan;
  /** Pages the restrictions stage held back (dry-run plan). */
  withheld?: WithheldPage[];
}

/** Discovered, de-duplicated pages of ingestible types, as a stream. */
function discoveredPages(runtime: TenantRuntime, discovery: DiscoveryReport, report?: CycleReport): Highland.Stream<PageRecord> {
  const keep = filterContentTypes(runtime.logger);
  return discoveryStream({ api: runtime.confluence, config: runtime.tenant, logger: runtime.logger, report: discovery })
    .through(dedupePages())
    .filter((page) => {
      const kept = keep(page);
      if (!kept) report?.add('skipped');
      return kept;
    });
}

interface DiscoveredRecords {
  pages: number;
  /** Pages and attachment records, accepted and rejected, pages each followed by theirs. */
  records: PipelineRecord[];
  /** Discovery or the attachment budget stopped at processing.maxItemsToScan. */
  truncated: boolean;
  /** Read-restricted pages, not among `records` (Confluence contract §17). */
  withheld: WithheldPage[];
}

/** Discovery (a barrier on metadata), then each page followed by its attachment records. */
async function discoverRecords(runtime: TenantRuntime, report?: CycleReport): Promise<DiscoveredRecords> {
  const discovery = emptyReport();
  const { tenant } = runtime;
  const restrictions = withholdRestricted({ api: runtime.confluence, mode: tenant.ingestion.restrictedPages, logger: runtime.logger, report, concurrency: tenant.processing.concurrency });
  const pages = await collect(discoveredPages(runtime, discovery, report).through(restrictions.through));
  const extract = extractAttachments({ policy: attachmentPolicy(runtime.tenant), urls: runtime.confluence.urls, logger: runtime.logger });
  const budget = applyScanBudget(pages.flatMap(extract), runtime.tenant.processing.maxItemsToScan);
  return { pages: pages.length, records: budget.records, truncated: discovery.truncated || budget.truncated, withheld: restrictions.withheld };
}

/** Storage → inlined images (when on) → converted HTML, `concurrency` pages at a time. */
function bodyStages(runtime: TenantRuntime, concurrency: number, report?: CycleReport) {
  const { tenant, logger, confluence } = runtime;
  const policy = attachmentPolicy(tenant);
  const convert = convertBodyWith({ baseUrl: tenant.confluence.baseUrl, instanceType: tenant.confluence.instanceType });
  const inline = policy.inlineImages ? inlineImagesWith({ api: confluence, policy, logger }) : undefined;
  return (pages: Highland.Stream<PageRecord>): Highland.Stream<PageRecord> => {
    const fetched = pages.through(fetchBodies({ api: confluence, logger, report }));
    const inlined = inline ? fetched.map((page) => highland(inline(page))).parallel(concurrency) : fetched;
    return inlined.through(resolveReferences({ api: confluence, logger })).map(convert);
  };
}

function collect<T>(stream: Highland.Stream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => stream.collect().stopOnError(reject).each(resolve));
}

/** `observers` see every count and phase (metrics, progress); an aborted `signal` starts no new phase or item. */
export async function runSyncCycle(runtime: TenantRuntime, options: { dryRun?: boolean } & CycleReportOptions = {}): Promise<CycleResult> {
  const report = new CycleReport(runtime.logger, options);
  try {
    return await syncCycle(runtime, report, options.dryRun === true);
  } catch (error) {
    // A failed cycle still reports what it got through, so an operator sees how far it went.
    // A requested stop is not a failure: the caller logs it.
    if (!isConnectorError(error, 'CYCLE_STOPPED')) {
      runtime.logger.error({ ...report.summary('failed'), error: errorMessage(error), code: isConnectorError(error) ? error.code : 'UNEXPECTED' }, 'Sync cycle failed');
    }
    throw error;
  }
}

async function syncCycle(runtime: TenantRuntime, report: CycleReport, dryRun: boolean): Promise<CycleResult> {
  const { tenant, logger, unique, confluence } = runtime;
  const scopeCtx = { clients: unique, tenant, log: logger };
  logger.info({ dryRun }, 'Sync cycle started');

  const instanceId = await confluence.instanceId();
  const root = await report.phase('init', () => initRootScope(scopeCtx, { instanceId, dryRun }), (r) => ({ rootPath: r.rootPath, claimed: r.claimed }));
  const discovered = await report.phase('discovery', () => discoverRecords(runtime, report), (r) => ({
    pages: r.pages,
    attachments: r.records.length - r.pages,
    rejectedAttachments: r.records.filter((record) => !isAccepted(record)).length,
    truncated: r.truncated,
  }));
  report.add('discovered', discovered.pages);
  if (discovered.pages === 0 && discovered.withheld.length === 0) {
    // Contract §10.5 skips the orphan clean-up when no space is found, so an empty
    // listing deletes nothing; say so, since a label typo or lost permission looks the same.
    logger.warn({ singleLabel: tenant.confluence.ingestSingleLabel, allLabel: tenant.confluence.ingestAllLabel }, 'Discovery found no page; nothing is deleted this cycle');
  }
  for (const record of discovered.records) if (!isAccepted(record)) report.item('attachment', 'rejected', 0);
  const accepted = discovered.records.filter(isAccepted);
  const pages = accepted.filter((record): record is PageRecord => record.kind === 'page');
  const dated = (await applyIncludedChanges(accepted, { tenant, content: unique.content, api: confluence, logger })).records;
  const plan = await report.phase('diff', () => planChanges(dated, { tenant, fileDiff: unique.fileDiff, content: unique.content, logger }), (p) => ({
    spaces: p.spaces.length,
    changed: p.changed.length,
  }));
  for (const space of plan.spaces) {
    report.add('new', space.newKeys.length);
    report.add('updated', space.updatedKeys.length);
    report.add('vanished', space.deletedKeys.length);
  }
  report.add('unchanged', plan.unchanged);
  if (dryRun) {
    const summary = report.summary('dry-run');
    logger.info(summary, 'Sync cycle finished');
    return { outcome: 'dry-run', summary, plan, withheld: discovered.withheld };
  }

  const changedPages = plan.changed.filter((record): record is PageRecord => record.kind === 'page');
  const changedAttachments = plan.changed.filter((record): record is AttachmentRecord => record.kind === 'attachment');
  const spaceScopes = await report.phase('space-scopes', () => ensureSpaceScopes(scopeCtx, root.rootPath, spacesOf(plan.changed)));
  await report.phase('ingest-pages', () => ingestPages(runtime, changedPages, spaceScopes.scopeIds, report), () => ({
    ingested: report.counts.ingested,
    failed: report.counts.failed,
  }));
  // Unique contract §7: all pages, then all attachments, then deletions.
  const before = { ...report.counts };
  await report.phase('ingest-attachments', () => ingestAttachments(runtime, changedAttachments, spaceScopes.scopeIds, report), () => ({
    attachments: changedAttachments.length,
    ingested: report.counts.ingested - before.ingested,
    failed: report.counts.failed - before.failed,
  }));

  if (discovered.truncated) {
    // processing.maxItemsToScan cut the listing short: what was not seen is not gone.
    logger.warn({ maxItemsToScan: tenant.processing.maxItemsToScan }, 'Discovery was truncated, deletions skipped this cycle');
  } else {
    const deletions = plan.spaces.map((space) => ({ spaceKey: space.space.key, partialKey: space.partialKey, itemKeys: space.deletedKeys }));
    const deleted = await report.phase('delete', () => deleteVanished(deletions, unique.content, logger), (r) => ({ ...r }));
    report.add('deleted', deleted.deleted);
    report.add('deleteFailed', deleted.failed);
    // Every discovered page withheld is a listing, not an empty one: their spaces are orphaned on purpose.
    const allWithheld = pages.length === 0 && discovered.withheld.length > 0;
    const orphans = await report.phase('orphans', () => cleanupOrphanedSpaces(scopeCtx, root.rootScopeId, spacesOf(pages).map((s) => s.key), { allWithheld }), (r) => ({ ...r }));
    report.add('orphanedSpaces', orphans.deletedScopes);
    report.add('deleted', orphans.deletedContents);
  }
  const summary = report.summary('succeeded');
  logger.info(summary, 'Sync cycle finished');
  return { outcome: 'succeeded', summary, plan };
}

/** Bodies in batches, images, conversion, then register → upload → finalize, `processing.concurrency` at a time. */
async function ingestPages(runtime: TenantRuntime, pages: PageRecord[], scopeIds: Map<string, string>, report: CycleReport): Promise<void> {
  const { tenant, logger, unique } = runtime;
  const deps = { content: unique.content, upload: unique.upload, logger };
  const ingest = async (page: PageRecord): Promise<void> => {
    const html = Buffer.from(page.html ?? '', 'utf8');
    const request = pageUpsertRequest(page, html, scopeOf(scopeIds, page), tenant);
    const started = Date.now();
    const outcome = await ingestItem({ request, contentType: 'text/html', open: async () => ({ body: html, contentLength: html.byteLength }) }, deps);
    report.item('page', outcome, Date.now() - started);
  };
  const concurrency = tenant.processing.concurrency;
  await collect(
    highland(pages)
      .through(bodyStages(runtime, concurrency, report))
      // On a stop request no new item starts; those in flight finish (or clean up) first.
      .filter(() => !report.stopping)
      // The storage body (with any inlined images) is not needed once converted.
      .map((page) => highland(ingest({ ...page, storage: undefined })))
      .mergeWithLimit(concurrency),
  );
}

/** Each attachment's download piped into its upload, `processing.concurrency` at a time. */
async function ingestAttachments(runtime: TenantRuntime, attachments: AttachmentRecord[], scopeIds: Map<string, string>, report: CycleReport): Promise<void> {
  const { tenant, logger, unique, confluence } = runtime;
  const deps = { content: unique.content, upload: unique.upload, logger };
  const ingest = async (att: AttachmentRecord): Promise<void> => {
    const started = Date.now();
    const outcome = await ingestItem(attachmentPayload(att, scopeOf(scopeIds, att), tenant, confluence), deps);
    report.item('attachment', outcome, Date.now() - started);
  };
  await collect(
    highland(attachments)
      .filter(() => !report.stopping)
      .map((att) => highland(ingest(att)))
      .mergeWithLimit(tenant.processing.concurrency),
  );
}

function scopeOf(scopeIds: Map<string, string>, record: PipelineRecord): string {
  const scopeId = scopeIds.get(record.space.key);
  if (scopeId === undefined) throw new Error(`no scope for space ${record.space.key}`);
  return scopeId;
}

function spacesOf(records: readonly PipelineRecord[]): SpaceRef[] {
  const spaces = new Map<string, SpaceRef>();
  for (const record of records) if (!spaces.has(record.space.key)) spaces.set(record.space.key, record.space);
  return [...spaces.values()];
}

/** `status: deleted`: Unique contract §10.6. The root is kept; its mark is cleared only after a clean run. */
export async function runDeletedTenantCleanup(runtime: TenantRuntime, options: CycleReportOptions = {}): Promise<DeletedTenantResult> {
  const report = new CycleReport(runtime.logger, options);
  runtime.logger.info('Deleted tenant clean-up started');
  const instanceId = await deletedTenantInstanceId(runtime);
  return report.phase('deleted-tenant', () => cleanupDeletedTenant({ clients: runtime.unique, tenant: runtime.tenant, log: runtime.logger }, { instanceId }), (r) => ({ ...r }));
}

/**
 * The instance id whose mark the root must carry before it is emptied. A deleted
 * tenant's Data Center may already be switched off: then the clean-up goes ahead on
 * the contract's own condition (a set mark) rather than never finishing.
 */
async function deletedTenantInstanceId(runtime: TenantRuntime): Promise<string | undefined> {
  try {
    return await runtime.confluence.instanceId();
  } catch (error) {
    runtime.logger.warn({ error: errorMessage(error) }, 'Confluence instance id unavailable, root mark not matched against it');
    return undefined;
  }
}

/**
 * `dump`: the source and transforms without Unique (so no diff: everything counts),
 * ending in NDJSON on `out`. Bodies are fetched and converted unless `bodies` is false.
 */
export async function runDump(runtime: TenantRuntime, options: { out: NodeJS.WritableStream; bodies: boolean }): Promise<number> {
  const { tenant, logger } = runtime;
  const discovered = await discoverRecords(runtime);
  const attachmentsOf = new Map<string, AttachmentRecord[]>();
  for (const record of discovered.records) {
    if (record.kind !== 'attachment') continue;
    const list = attachmentsOf.get(record.pageId);
    if (list) list.push(record);
    else attachmentsOf.set(record.pageId, [record]);
  }
  let pages: Highland.Stream<PageRecord> = highland(discovered.records.filter((record): record is PageRecord => record.kind === 'page'));
  if (options.bodies) pages = pages.through(bodyStages(runtime, tenant.processing.concurrency));
  // Each page, then its attachment records, accepted and rejected (with their reason).
  const withAttachments = pages.flatMap((page) => {
    const own = attachmentsOf.get(page.id) ?? [];
    attachmentsOf.delete(page.id);
    return highland<PipelineRecord>([page, ...own]);
  });
  // Attachments of pages the body fetch skipped (empty, vanished) are still synced, so they are still shown.
  const rest = highland<PipelineRecord>((push) => {
    for (const own of attachmentsOf.values()) for (const record of own) push(null, record);
    push(null, highland.nil);
  });
  // Withheld pages last, with their reason, so a dump shows what the restrictions stage held back.
  const records = withAttachments.concat(rest).concat(highland<PipelineRecord>(discovered.withheld));
  // Every line names its tenant, so dumps of several tenants stay tellable apart.
  const written = await ndjsonSink(options.out)(records.map((record) => ({ tenant: tenant.name, ...record })));
  logger.info({ records: written, truncated: discovered.truncated }, 'Dump finished');
  return written;
}
