/**
 * A deleted tenant's clean-up that leaves anything behind is a failed cycle: `sync`
 * exits 1, and the daemon records a failure in `/health` and the metrics. Once a run
 * empties the root and clears its mark, the tenant is healthy again.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t, { type Test } from 'tap';
import { syncCommand } from '../../src/commands/sync.js';
import { SyncHistory } from '../../src/health/index.js';
import { createMetrics } from '../../src/metrics/registry.js';
import { Scheduler } from '../../src/scheduler.js';
import { claimKey } from '../../src/unique/tenant-lease.js';
import { Capture } from '../helpers/capture.js';
import { LABELS, PAT, ROOT_SCOPE, startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import { ManualClock, until } from '../helpers/manual-clock.js';
import { ENG, HR, SINGLE, page, rejection } from './support/scenario.js';

/** Two spaces synced, then the tenant marked deleted. */
async function syncedThenDeleted(t: Test): Promise<CycleHarness> {
  const h = await startCycleHarness({ spaces: [ENG, HR], content: [page('5001', 'ENG', { labels: SINGLE }), page('7001', 'HR', { labels: SINGLE })] });
  t.teardown(h.close);
  await h.sync();
  h.tenant.status = 'deleted';
  return h;
}

/** The harness tenant as a tenant file, as `sync` reads it. */
async function tenantFile(t: Test, h: CycleHarness): Promise<{ config: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), 'deleted-tenant-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const yaml = [
    'status: deleted',
    'confluence:',
    '  instanceType: data-center',
    '  baseUrl: os.environ/T_CONFLUENCE_URL',
    '  auth: { mode: pat, token: os.environ/T_PAT }',
    '  apiRateLimitPerMinute: 6000',
    `  ingestSingleLabel: ${LABELS.single}`,
    `  ingestAllLabel: ${LABELS.all}`,
    'unique:',
    '  serviceAuthMode: cluster_local',
    `  serviceExtraHeaders: { x-company-id: ${h.unique.scenario.companyId}, x-user-id: ${h.unique.scenario.serviceUserId} }`,
    '  ingestionServiceBaseUrl: os.environ/T_INGESTION_URL',
    '  scopeManagementServiceBaseUrl: os.environ/T_SCOPE_URL',
    '  apiRateLimitPerMinute: 6000',
    'ingestion:',
    `  scopeId: ${ROOT_SCOPE}`,
    '',
  ].join('\n');
  await writeFile(join(dir, `${h.tenant.name}-tenant-config.yaml`), yaml);
  const env = {
    PATH: process.env.PATH,
    T_CONFLUENCE_URL: h.confluence.baseUrl,
    T_PAT: PAT,
    T_INGESTION_URL: h.unique.ingestionBaseUrl,
    T_SCOPE_URL: h.unique.scopeManagementBaseUrl,
  };
  return { config: join(dir, '*-tenant-config.yaml'), env };
}

t.test('sync exits 1 when the clean-up leaves a scope behind, and 0 once a run completes it', async (t) => {
  const h = await syncedThenDeleted(t);
  const { config, env } = await tenantFile(t, h);
  h.unique.faults.add({ operation: 'deleteFolder', status: 500, times: 1 });
  const sync = () => {
    const stdout = new Capture();
    return syncCommand.run({ values: { config }, positionals: [], env, stdout, stderr: new Capture() }).then((code) => ({ code, logs: stdout.lines() }));
  };
  const first = await sync();
  t.equal(first.code, 1, 'exit code 1: the clean-up is not done');
  t.ok(first.logs.some((l) => l.msg === 'Deleted tenant clean-up failed' && l.code === 'CLEANUP_INCOMPLETE' && l.level === 50));
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId?.startsWith('confc:data-center:'), true, 'the root keeps its mark');

  const second = await sync();
  t.equal(second.code, 0, 'exit code 0 once nothing is left');
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, null);
  t.same(h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE), []);
});

t.test('the daemon records a clean-up that left content behind as a failed run in /health and the metrics', async (t) => {
  const h = await syncedThenDeleted(t);
  h.unique.faults.add({ operation: 'contentDeleteByContentIds', graphqlError: 'deletion refused' });
  const metrics = createMetrics();
  const history = new SyncHistory({ windowSize: 5, failureThreshold: 0.5 });
  const scheduler = new Scheduler({ logger: h.logger, metrics, history });
  scheduler.add(h.tenant, h.runtime());
  await scheduler.start();
  // The start-up run is under way: wait for it to end before stopping (a stop would cut it short).
  while (scheduler.isRunning(h.tenant.name)) await new Promise((resolve) => setTimeout(resolve, 10));
  await scheduler.stop(0);
  const tenant = history.health().tenants[h.tenant.name]!;
  t.match(tenant, { lastResult: 'failed', lastErrorCode: 'CLEANUP_INCOMPLETE', failures: 1, status: 'down' });
  const text = await metrics.registry.metrics();
  const failedRuns = text.split('\n').find((line) => line.includes('_count{') && line.includes(`tenant="${h.tenant.name}"`) && line.includes('result="failed"'));
  t.ok(failedRuns !== undefined && failedRuns.endsWith(' 1'), `one failed run in the sync duration metric (${failedRuns})`);
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId?.startsWith('confc:data-center:'), true, 'the root keeps its mark: the next run retries');
});

t.test('a deleted tenant\'s clean-up takes the tenant lease: held by another process, it skips and deletes nothing; its own lease is gone afterwards', async (t) => {
  const h = await syncedThenDeleted(t);
  const before = h.storedKeys();
  const otherClaim = claimKey('acme', 'other-pod:1:abcd');
  h.unique.state.addContent({
    key: otherClaim,
    ownerId: ROOT_SCOPE,
    updatedAt: null,
    metadata: { leaseHolder: 'other-pod:1:abcd', leaseExpiresAt: new Date(Date.now() + 60_000).toISOString() },
  });
  await t.rejects(h.cleanupDeleted(), { code: 'TENANT_LEASE_HELD' });
  t.same(h.storedKeys(), [...before, otherClaim].sort(), 'nothing deleted');
  t.ok(h.logs.lines().some((l) => l.msg === 'Cycle skipped: another process holds the tenant lease' && l.level === 40));

  h.unique.state.setMetadata(otherClaim, { leaseHolder: 'other-pod:1:abcd', leaseExpiresAt: new Date(Date.now() - 1000).toISOString() });
  const done = await h.cleanupDeleted();
  t.equal(done.markCleared, true);
  t.same(h.storedKeys(), [], "the contents, our claim and the other's expired one are gone");
});

t.test('a clean-up past the cycle deadline empties no further scope, keeps the mark and fails with CYCLE_DEADLINE_EXCEEDED; the next run finishes', async (t) => {
  const h = await syncedThenDeleted(t);
  h.tenant.processing.cycleTimeoutMinutes = 30;
  // The first space scope's folder deletion is held while the deadline passes.
  let arrived = 0;
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  h.unique.faults.add({ operation: 'deleteFolder', times: 1, hold: () => ((arrived += 1), released) });
  const clock = new ManualClock();
  const cleanup = rejection(h.cleanupDeleted({ deadlineClock: clock }));
  await until(() => arrived === 1, 'the first folder deletion');
  await clock.advance(30 * 60_000);
  release();
  const error = await cleanup;
  t.equal(error.code, 'CYCLE_DEADLINE_EXCEEDED');
  t.equal(h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE).length, 1, 'the second space scope was not started');
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId?.startsWith('confc:data-center:'), true, 'the root keeps its mark: the clean-up is not done');
  t.ok(h.logs.lines().some((l) => l.msg === 'Deleted tenant clean-up stopped before every scope was emptied' && l.notStarted === 1));
  t.equal(clock.pending, 0, 'the deadline timer is gone');

  const next = await h.cleanupDeleted();
  t.equal(next.markCleared, true, 'the next run empties the rest and clears the mark');
  t.same(h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE), []);
});

t.test('a stop request (SIGTERM) between scopes: no further scope, CYCLE_STOPPED, the mark stays', async (t) => {
  const h = await syncedThenDeleted(t);
  const stop = new AbortController();
  h.unique.faults.add({ operation: 'deleteFolder', times: 1, hold: async () => stop.abort() });
  const error = await rejection(h.cleanupDeleted({ signal: stop.signal }));
  t.equal(error.code, 'CYCLE_STOPPED');
  t.equal(h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE).length, 1, 'one space scope left for the next run');
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId?.startsWith('confc:data-center:'), true, 'the root keeps its mark');
});
