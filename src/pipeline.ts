import highland from 'highland';
import { attachmentPolicy } from './attachment-policy.js';
import { underCycleDeadline } from './cycle-deadline.js';
import { CycleReport, type CycleOutcome, type CycleReportOptions } from './cycle-report.js';
import { errorMessage, isConnectorError } from './errors.js';
import type { Clock } from './http/clock.js';
import type { ReadAccess } from './read-restrictions/access.js';
import { isAttachment, isPage, type PageRecord, type PageWithHtml, type PipelineRecord, type SpaceRef } from './records.js';
import { ndjsonSink } from './sinks/ndjson.js';
import { deleteVanished, uniqueIngestionSink } from './sinks/unique-ingestion/index.js';
import { cleanupOrphanedSpaces, ensureSpaceScopes, initRootScope, type InitResult } from './sinks/unique-scopes/index.js';
import { discoveryStream, emptyReport, type DiscoveryReport } from './sources/confluence/index.js';
import { collect, eachItem, eachItemAsync, eachItemFlat, mergeLegs } from './streams.js';
import type { TenantRuntime } from './tenant-runtime.js';
import { convertBodyWith } from './transforms/convert-body.js';
import { dedupePages } from './transforms/dedupe.js';
import { planChanges, type ChangePlan } from './transforms/diff.js';
import { applyScanBudget, extractAttachments, isAccepted } from './transforms/extract-attachments.js';
import { fetchBodies } from './transforms/fetch-body.js';
import { filterContentTypes } from './transforms/filter-content-types.js';
import { applyIncludedChanges } from './transforms/included-changes.js';
import { inlineImagesWith } from './transforms/inline-images/index.js';
import { resolveReferences } from './transforms/resolve-references.js';
import { withholdRestricted, type RestrictionsStage, type WithheldPage } from './transforms/restrictions.js';
import { newAttemptId } from './unique/pending-marker.js';
import { listStoredBySpace } from './unique/stored-contents.js';
import { claimTenantLease } from './unique/tenant-lease.js';

/**
 * The one module that knows the order of the stages; it wires them and does nothing else.
 *
 *   source       Confluence discovery
 *   metadata     dedupe → content types → read restrictions → attachment records
 *                (then included-page dates and the diff: a barrier)
 *   bodies       changed pages: fetch bodies → resolve includes and mentions →
 *                inline images → convert
 *   sinks        Unique ingestion (changed pages and attachments, one stream), then
 *                deletions and orphaned space scopes; or, for `dump`, NDJSON
 *
 * Discovery and the diff finish before the first write, so a failed listing or a
 * tripped safety guard leaves Unique untouched. A stop request ends every leg at its
 * head: no body fetch, image download, conversion or item starts after it. A cycle
 * runs under its deadline (cycle-deadline) and, from discovery on, the tenant lease
 * (unique/tenant-lease); a `deleted` tenant's run is deleted-tenant-cycle's.
 */

export interface CycleResult {
  outcome: CycleOutcome;
  summary: Record<string, unknown>;
  plan?: ChangePlan;
  /** Pages the restrictions stage held back (dry-run plan). */
  withheld?: WithheldPage[];
}

/** Source → metadata transforms: each page of an ingestible type, followed by its attachment records. */
function metadataRecords(runtime: TenantRuntime, discovery: DiscoveryReport, restrictions: RestrictionsStage, report?: CycleReport): Highland.Stream<PipelineRecord> {
  const { tenant, logger, confluence } = runtime;
  return discoveryStream({ api: confluence, config: tenant, logger, report: discovery })
    .through(dedupePages())
    .filter(filterContentTypes(logger, () => report?.add('skipped')))
    .through(restrictions.through)
    .through(eachItemFlat(extractAttachments({ policy: attachmentPolicy(tenant), urls: confluence.urls, logger })));
}

/** Changed pages' bodies: storage fetched in batches, images inlined (when on), converted to HTML. */
function bodyStages(runtime: TenantRuntime, access: ReadAccess, signal?: AbortSignal, report?: CycleReport): (pages: Highland.Stream<PageRecord>) => Highland.Stream<PageWithHtml> {
  const { tenant, logger, confluence } = runtime;
  const policy = attachmentPolicy(tenant);
  const concurrency = tenant.processing.concurrency;
  const inline = policy.inlineImages ? eachItemAsync(inlineImagesWith({ api: confluence, policy, logger, access, signal }), concurrency, signal) : <T>(pages: T) => pages;
  return (pages) =>
    pages
      .through(fetchBodies({ api: confluence, logger, report, signal, maxPageBodyMb: tenant.processing.maxPageBodyMb }))
      .through(resolveReferences({ api: confluence, logger, access, signal, maxPageBodyMb: tenant.processing.maxPageBodyMb }))
      .through(inline)
      .through(eachItem(convertBodyWith({ baseUrl: tenant.confluence.baseUrl, instanceType: tenant.confluence.instanceType }), signal));
}

interface DiscoveredRecords {
  /** Pages and attachment records, accepted and rejected, pages each followed by theirs. */
  records: PipelineRecord[];
  pages: number;
  /** Discovery or the attachment budget stopped at processing.maxItemsToScan. */
  truncated: boolean;
  /** Read-restricted pages, not among `records` (Confluence contract §17). */
  withheld: WithheldPage[];
  /** The cycle's read access: content of other pages (includes, images) passes the same verdict. */
  access: ReadAccess;
}

/** The metadata barrier: every record, cut to `processing.maxItemsToScan`. */
async function discoverRecords(runtime: TenantRuntime, report?: CycleReport): Promise<DiscoveredRecords> {
  const { tenant, logger, confluence } = runtime;
  const discovery = emptyReport();
  const restrictions = withholdRestricted({ api: confluence, mode: tenant.ingestion.restrictedPages, logger, report, concurrency: tenant.processing.concurrency });
  const budget = applyScanBudget(await collect(metadataRecords(runtime, discovery, restrictions, report)), tenant.processing.maxItemsToScan);
  const pages = budget.records.filter(isPage).length;
  return { records: budget.records, pages, truncated: discovery.truncated || budget.truncated, withheld: restrictions.withheld, access: restrictions.access };
}

export interface SyncCycleOptions extends CycleReportOptions {
  dryRun?: boolean;
  /** The clock of the cycle's deadline (`processing.cycleTimeoutMinutes`); tests pass a manual one. */
  deadlineClock?: Clock;
}

/**
 * `observers` see every count and phase (metrics, progress); an aborted `signal` starts
 * no new phase or item. So does the cycle's deadline, which then fails the cycle with
 * CYCLE_DEADLINE_EXCEEDED once what was in flight has finished or cleaned up.
 */
export async function runSyncCycle(runtime: TenantRuntime, options: SyncCycleOptions = {}): Promise<CycleResult> {
  let report = new CycleReport(runtime.logger, options);
  try {
    return await underCycleDeadline(runtime.tenant.processing, options, (signal) => {
      report = new CycleReport(runtime.logger, { ...options, signal });
      return syncCycle(runtime, report, { ...options, signal });
    });
  } catch (error) {
    // A failed cycle still reports what it got through, so an operator sees how far it went.
    // A requested stop is not a failure: the caller logs it. Nor is another process's lease.
    if (isConnectorError(error, 'TENANT_LEASE_HELD')) {
      runtime.logger.warn({ code: error.code, ...error.details }, 'Cycle skipped: another process holds the tenant lease');
    } else if (!isConnectorError(error, 'CYCLE_STOPPED')) {
      runtime.logger.error({ ...report.summary('failed'), error: errorMessage(error), code: isConnectorError(error) ? error.code : 'UNEXPECTED' }, 'Sync cycle failed');
    }
    throw error;
  }
}

async function syncCycle(runtime: TenantRuntime, report: CycleReport, options: { dryRun?: boolean; signal?: AbortSignal }): Promise<CycleResult> {
  const { tenant, logger, unique, confluence } = runtime;
  const dryRun = options.dryRun === true;
  const scopeCtx = { clients: unique, tenant, log: logger };
  logger.info({ dryRun }, 'Sync cycle started');

  // Read alongside init's first call; init awaits it before its first write.
  const instanceId = confluence.instanceId();
  const root = await report.phase('init', () => initRootScope(scopeCtx, { instanceId, dryRun }), (r) => ({ rootPath: r.rootPath, claimed: r.claimed }));
  // One writer per tenant (unique/tenant-lease); a dry run writes nothing and needs none.
  // Another holder's live claim ends the cycle here; the listing that confirms ours runs
  // while discovery, which only reads, does.
  const lease = dryRun ? undefined : await claimTenantLease({ tenant, content: unique.content, logger, timing: runtime.leaseTiming });
  lease?.startRenewing();
  const confirmed = lease?.confirm();
  // Awaited before the diff; a discovery failure first must not leave it unhandled.
  confirmed?.catch(() => undefined);
  try {
    return await leasedCycle(runtime, report, root, options, confirmed);
  } finally {
    await lease?.release();
  }
}

/** Discovery, diff and writes: everything after init, under the tenant lease (none in a dry run), confirmed before the diff. */
async function leasedCycle(
  runtime: TenantRuntime,
  report: CycleReport,
  root: InitResult,
  options: { dryRun?: boolean; signal?: AbortSignal },
  leaseConfirmed: Promise<void> | undefined,
): Promise<CycleResult> {
  const { tenant, logger, unique, confluence } = runtime;
  const { signal } = options;
  const dryRun = options.dryRun === true;
  const scopeCtx = { clients: unique, tenant, log: logger };
  const discovered = await report.phase('discovery', () => discoverRecords(runtime, report), (r) => ({
    pages: r.pages,
    attachments: r.records.length - r.pages,
    rejectedAttachments: r.records.filter((record) => !isAccepted(record)).length,
    truncated: r.truncated,
  }));
  report.discovered(discovered.records, tenant, discovered.withheld.length);
  // Its own phase: a confirmation that outlasts discovery (two processes met: a pause, a second claim) shows in the summary and metrics.
  if (leaseConfirmed) await report.phase('lease', () => leaseConfirmed);
  const accepted = discovered.records.filter(isAccepted);
  const plan = await report.phase('diff', async () => {
    // One listing per space, shared: included-page dates and the recovery of interrupted items.
    const stored = await listStoredBySpace(accepted, { tenant, content: unique.content, logger });
    // An including page is dated by its included pages too, so their edits re-ingest it.
    const dated = await applyIncludedChanges(accepted, { tenant, stored, api: confluence, logger, access: discovered.access });
    return planChanges(dated.records, { tenant, fileDiff: unique.fileDiff, content: unique.content, logger, stored });
  }, (p) => ({
    spaces: p.spaces.length,
    changed: p.changed.length,
    recovered: p.spaces.reduce((sum, space) => sum + space.recoveredKeys.length, 0),
  }));
  report.planned(plan);
  if (dryRun) return { ...report.finish('dry-run'), plan, withheld: discovered.withheld };

  const { scopeIds } = await report.phase('space-scopes', () => ensureSpaceScopes(scopeCtx, root.rootPath, spacesOf(plan.changed)));
  // Registrations carry this attempt's pending mark until finalized (unique/pending-marker).
  const attemptId = newAttemptId();
  const ingest = uniqueIngestionSink({ tenant, content: unique.content, upload: unique.upload, confluence, scopeIds, logger, report, attemptId, signal });
  await report.phase(
    'ingest',
    () => {
      const pages = highland(plan.changed.filter(isPage)).through(bodyStages(runtime, discovered.access, signal, report));
      const attachments = highland(plan.changed.filter(isAttachment));
      // One stream: attachments need not wait for every page (contract §7's order is a habit, not a rule).
      return ingest(mergeLegs(pages, attachments));
    },
    () => ({ changed: plan.changed.length, ingested: report.counts.ingested, failed: report.counts.failed }),
  );

  if (discovered.truncated) {
    // processing.maxItemsToScan cut the listing short: what was not seen is not gone.
    logger.warn({ maxItemsToScan: tenant.processing.maxItemsToScan }, 'Discovery was truncated, deletions skipped this cycle');
  } else {
    const deletions = plan.spaces.map((space) => ({ spaceKey: space.space.key, partialKey: space.partialKey, itemKeys: space.deletedKeys }));
    const deleted = await report.phase('delete', () => deleteVanished(deletions, unique.content, logger), (r) => ({ ...r }));
    report.add('deleted', deleted.deleted);
    report.add('deleteFailed', deleted.failed);
    const spaceKeys = spacesOf(discovered.records.filter(isPage)).map((space) => space.key);
    // Every discovered page withheld is a listing, not an empty one: their spaces are orphaned on purpose.
    const allWithheld = discovered.pages === 0 && discovered.withheld.length > 0;
    const orphans = await report.phase('orphans', () => cleanupOrphanedSpaces(scopeCtx, root.rootScopeId, spaceKeys, { allWithheld }), (r) => ({ ...r }));
    report.add('orphanedSpaces', orphans.deletedScopes);
    report.add('deleted', orphans.deletedContents);
  }
  return { ...report.finish('sync'), plan };
}

function spacesOf(records: readonly PipelineRecord[]): SpaceRef[] {
  const spaces = new Map<string, SpaceRef>();
  for (const record of records) if (!spaces.has(record.space.key)) spaces.set(record.space.key, record.space);
  return [...spaces.values()];
}

/**
 * `dump`: the source and transforms without Unique (so no diff: everything counts),
 * ending in NDJSON on `out`. Bodies are fetched and converted unless `bodies` is false.
 */
export async function runDump(runtime: TenantRuntime, options: { out: NodeJS.WritableStream; bodies: boolean }): Promise<number> {
  const { tenant, logger } = runtime;
  const discovered = await discoverRecords(runtime);
  const pages = highland(discovered.records.filter(isPage));
  const dump = ndjsonSink(options.out, { tenant: tenant.name, attachments: discovered.records.filter(isAttachment) });
  const dumped: Highland.Stream<PageRecord> = options.bodies ? pages.through(bodyStages(runtime, discovered.access)).map((page): PageRecord => page) : pages;
  // Withheld pages last, with their reason, so a dump shows what the restrictions stage held back.
  const written = await dump(dumped.concat(highland<PageRecord>(discovered.withheld)));
  logger.info({ records: written, truncated: discovered.truncated }, 'Dump finished');
  return written;
}
