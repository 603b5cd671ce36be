import highland from 'highland';
import { CycleReport } from './cycle-report.js';
import type { PageRecord, SpaceRef } from './records.js';
import { cleanupDeletedTenant, cleanupOrphanedSpaces, ensureSpaceScopes, initRootScope, type DeletedTenantResult } from './sinks/unique-scopes/index.js';
import { deleteVanished } from './sinks/unique-ingestion/deletions.js';
import { ingestItem } from './sinks/unique-ingestion/ingest-item.js';
import { pageUpsertRequest } from './sinks/unique-ingestion/registration.js';
import { ndjsonSink } from './sinks/ndjson.js';
import { discoveryStream, emptyReport, type DiscoveryReport } from './sources/confluence/index.js';
import type { TenantRuntime } from './tenant-runtime.js';
import { convertBodyWith } from './transforms/convert-body.js';
import { dedupePages } from './transforms/dedupe.js';
import { planChanges, type ChangePlan } from './transforms/diff.js';
import { fetchBodies } from './transforms/fetch-body.js';
import { filterContentTypes } from './transforms/filter-content-types.js';

/**
 * The one module that knows the order of the stages. A sync cycle:
 *   scopes init → discovery → dedupe → content-type filter → diff (barrier on
 *   metadata) → space scopes → fetch bodies → convert → ingest → delete vanished →
 *   orphaned space scopes.
 * Discovery and the diff finish before the first write, so a failed listing or a
 * tripped safety guard leaves Unique untouched.
 */

export interface CycleResult {
  outcome: 'succeeded' | 'dry-run';
  summary: Record<string, unknown>;
  plan?: ChangePlan;
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

function collect<T>(stream: Highland.Stream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => stream.collect().stopOnError(reject).each(resolve));
}

export async function runSyncCycle(runtime: TenantRuntime, options: { dryRun?: boolean } = {}): Promise<CycleResult> {
  const { tenant, logger, unique, confluence } = runtime;
  const dryRun = options.dryRun === true;
  const report = new CycleReport(logger);
  const scopeCtx = { clients: unique, tenant, log: logger };
  logger.info({ dryRun }, 'Sync cycle started');

  const instanceId = await confluence.instanceId();
  const root = await report.phase('init', () => initRootScope(scopeCtx, { instanceId, dryRun }), (r) => ({ rootPath: r.rootPath, claimed: r.claimed }));
  const discovery = emptyReport();
  const pages = await report.phase('discovery', () => collect(discoveredPages(runtime, discovery, report)), (r) => ({
    pages: r.length,
    truncated: discovery.truncated,
  }));
  report.add('discovered', pages.length);
  const plan = await report.phase('diff', () => planChanges(pages, { tenant, fileDiff: unique.fileDiff, content: unique.content, logger }), (p) => ({
    spaces: p.spaces.length,
    changed: p.changed.length,
  }));
  for (const space of plan.spaces) {
    report.add('new', space.newKeys.length);
    report.add('updated', space.updatedKeys.length);
  }
  report.add('unchanged', plan.unchanged);
  if (dryRun) {
    const summary = report.summary('dry-run');
    logger.info(summary, 'Sync cycle finished');
    return { outcome: 'dry-run', summary, plan };
  }

  const changedPages = plan.changed.filter((record): record is PageRecord => record.kind === 'page');
  const spaceScopes = await report.phase('space-scopes', () => ensureSpaceScopes(scopeCtx, root.rootPath, spacesOf(changedPages)));
  await report.phase('ingest-pages', () => ingestPages(runtime, changedPages, spaceScopes.scopeIds, report), () => ({
    ingested: report.counts.ingested,
    failed: report.counts.failed,
  }));

  if (discovery.truncated) {
    // processing.maxItemsToScan cut the listing short: what was not seen is not gone.
    logger.warn({ maxItemsToScan: tenant.processing.maxItemsToScan }, 'Discovery was truncated, deletions skipped this cycle');
  } else {
    const deletions = plan.spaces.map((space) => ({ spaceKey: space.space.key, partialKey: space.partialKey, itemKeys: space.deletedKeys }));
    const deleted = await report.phase('delete', () => deleteVanished(deletions, unique.content, logger), (r) => ({ ...r }));
    report.add('deleted', deleted.deleted);
    report.add('deleteFailed', deleted.failed);
    const orphans = await report.phase('orphans', () => cleanupOrphanedSpaces(scopeCtx, root.rootScopeId, spacesOf(pages).map((s) => s.key)), (r) => ({ ...r }));
    report.add('orphanedSpaces', orphans.deletedScopes);
    report.add('deleted', orphans.deletedContents);
  }
  const summary = report.summary('succeeded');
  logger.info(summary, 'Sync cycle finished');
  return { outcome: 'succeeded', summary, plan };
}

/** Bodies in batches, conversion, then register → upload → finalize, `processing.concurrency` at a time. */
async function ingestPages(runtime: TenantRuntime, pages: PageRecord[], scopeIds: Map<string, string>, report: CycleReport): Promise<void> {
  const { tenant, logger, unique, confluence } = runtime;
  const convert = convertBodyWith({ baseUrl: tenant.confluence.baseUrl, instanceType: tenant.confluence.instanceType });
  const deps = { content: unique.content, upload: unique.upload, logger };
  const ingest = async (page: PageRecord): Promise<void> => {
    const scopeId = scopeIds.get(page.space.key);
    if (scopeId === undefined) throw new Error(`no scope for space ${page.space.key}`);
    const html = Buffer.from(page.html ?? '', 'utf8');
    const outcome = await ingestItem(
      { request: pageUpsertRequest(page, html, scopeId, tenant), contentType: 'text/html', open: async () => ({ body: html, contentLength: html.byteLength }) },
      deps,
    );
    report.add(outcome);
  };
  await collect(
    highland(pages)
      .through(fetchBodies({ api: confluence, logger, report }))
      .map(convert)
      .map((page) => highland(ingest(page)))
      .mergeWithLimit(tenant.processing.concurrency),
  );
}

function spacesOf(pages: readonly PageRecord[]): SpaceRef[] {
  const spaces = new Map<string, SpaceRef>();
  for (const page of pages) if (!spaces.has(page.space.key)) spaces.set(page.space.key, page.space);
  return [...spaces.values()];
}

/** `status: deleted`: Unique contract §10.6. The root is kept; its mark is cleared only after a clean run. */
export async function runDeletedTenantCleanup(runtime: TenantRuntime): Promise<DeletedTenantResult> {
  const report = new CycleReport(runtime.logger);
  runtime.logger.info('Deleted tenant clean-up started');
  const result = await report.phase('deleted-tenant', () => cleanupDeletedTenant({ clients: runtime.unique, tenant: runtime.tenant, log: runtime.logger }), (r) => ({ ...r }));
  return result;
}

/**
 * `dump`: the source and transforms without Unique (so no diff: everything counts),
 * ending in NDJSON on `out`. Bodies are fetched and converted unless `bodies` is false.
 */
export async function runDump(runtime: TenantRuntime, options: { out: NodeJS.WritableStream; bodies: boolean }): Promise<number> {
  const { tenant, logger, confluence } = runtime;
  const discovery = emptyReport();
  let stream: Highland.Stream<PageRecord> = discoveredPages(runtime, discovery);
  if (options.bodies) {
    const convert = convertBodyWith({ baseUrl: tenant.confluence.baseUrl, instanceType: tenant.confluence.instanceType });
    stream = stream.through(fetchBodies({ api: confluence, logger })).map(convert);
  }
  // Every line names its tenant, so dumps of several tenants stay tellable apart.
  const written = await ndjsonSink(options.out)(stream.map((page) => ({ tenant: tenant.name, ...page })));
  logger.info({ records: written, truncated: discovery.truncated }, 'Dump finished');
  return written;
}

