import t from 'tap';
import { assertNoSecrets } from '../helpers/secrets.js';
import { isLeaseKey, leaseRequests } from '../helpers/tenant-lease.js';
import { DEMO_INGESTED_PAGE_IDS } from '../fixtures/demo-scenario.js';
import type { UniqueSimulator } from '../simulators/unique/index.js';
import { PAT, simulators, tenantEnv } from './support/simulated-tenants.js';
import { startDaemonProcess, writeTenants, type LogLine } from './support/daemon-process.js';

/**
 * The daemon as operators run it: the real CLI in a child process, two tenants on a
 * seconds-level cron against both simulators, one of them failing (its Unique user
 * does not exist).
 */
const of = (tenant: string, msg: string) => (line: LogLine) => line.tenant === tenant && line.msg === msg;

/** `name{labels} value` of a Prometheus text exposition, or undefined. */
function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && labels.split(',').every((label) => l.includes(label)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

/** Holds every upload until `release()`: a cycle that is surely still ingesting, without a race against the clock. */
function heldUploads(unique: UniqueSimulator): { first: Promise<void>; release: () => void } {
  let arrive!: () => void;
  const first = new Promise<void>((resolve) => (arrive = resolve));
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  unique.faults.add({ path: '/scoped/upload', hold: () => (arrive(), released) });
  return { first, release };
}

/** Resolves when `event` happens; fails if the daemon exits first. */
async function before(daemon: { exited: Promise<{ code: number | null }> }, event: Promise<void>, what: string): Promise<void> {
  let happened = false;
  const exited = daemon.exited.then((exit) => {
    // After the event, the daemon's exit is the test's business, not a failure here.
    if (!happened) throw new Error(`daemon exited (${exit.code}) before ${what}`);
  });
  await Promise.race([event.then(() => void (happened = true)), exited]);
}

/** Logged when the grace period ends with a cycle still running (src/daemon.ts). */
const ABANDONED = 'Cycles still running at the end of the grace period were abandoned';

t.test('two tenants: both scheduled, the healthy one keeps syncing, /health and /metrics report the failing one', async (t) => {
  const sims = await simulators(t);
  const { unique } = sims;
  const daemon = startDaemonProcess({
    TENANT_CONFIG_PATH_PATTERN: writeTenants([
      { name: 'good', cron: '*/2 * * * * *', env: 'GOOD' },
      { name: 'bad', cron: '*/2 * * * * *', env: 'BAD' },
      { name: 'idle', cron: '*/2 * * * * *', env: 'GOOD', status: 'inactive' },
    ]),
    HEALTH_SYNC_HISTORY_SIZE: '2',
    ...tenantEnv('GOOD', sims),
    ...tenantEnv('BAD', sims, { user: 'user_unknown' }),
  });
  t.teardown(() => daemon.kill());

  await daemon.waitFor(of('good', 'Tenant scheduled'), 30_000, 'good scheduled');
  await daemon.waitFor(of('bad', 'Tenant scheduled'), 30_000, 'bad scheduled');
  await daemon.waitFor(of('idle', 'Tenant inactive, not scheduled'), 20_000, 'idle left alone');
  // Generous bounds below: they only stop a hung test; a healthy run takes a few seconds.
  const probe = await daemon.get('/probe');
  t.equal(probe.status, 200, 'alive while the first cycles run');

  // Start-up run plus at least one scheduled run each: the window of two is full.
  await daemon.waitFor(() => daemon.count(of('good', 'Sync cycle finished')) >= 2, 20_000, 'two good cycles');
  await daemon.waitFor(() => daemon.count(of('bad', 'Sync cycle failed')) >= 2, 20_000, 'two failed bad cycles');
  // (A cycle running now holds the tenant lease: not a page.)
  t.same(unique.state.contents().filter((c) => !isLeaseKey(c.key)).map((c) => c.key.split('/').pop()).sort(), [...DEMO_INGESTED_PAGE_IDS].sort(), 'the healthy tenant synced every page');

  const health = await daemon.get('/health');
  t.equal(health.status, 503, 'a failing tenant makes /health 503');
  const body = JSON.parse(health.text);
  t.equal(body.status, 'down');
  t.equal(body.details.sync.tenants.good.status, 'up');
  t.equal(body.details.sync.tenants.bad.status, 'down');
  t.equal(body.details.sync.tenants.bad.runs, 2);
  t.equal(body.details.sync.tenants.bad.failures, 2);
  t.notOk('idle' in body.details.sync.tenants, 'inactive tenants are not synced');
  t.equal(body.details.uniqueApi.tenants.good.status, 'up');
  t.equal(body.details.uniqueApi.tenants.bad.ingestion.code, 'AUTH_FAILURE');
  t.equal(body.details.connectivity.status, 'up', 'both Confluence URLs answer');
  t.ok(body.error.sync && body.error.uniqueApi && body.info.connectivity, 'indicators sorted into info and error');

  const metrics = (await daemon.get('/metrics')).text;
  for (const name of [
    'cfc_sync_duration_seconds', 'cfc_scan_duration_seconds', 'cfc_attachment_upload_duration_seconds', 'cfc_pages_processed_total',
    'cfc_attachments_processed_total', 'cfc_content_deleted_total', 'cfc_file_diff_events_total', 'cfc_orphaned_scopes_cleaned_total',
    'cfc_confluence_api_request_duration_seconds', 'cfc_confluence_api_throttle_events_total', 'cfc_confluence_api_errors_total',
    'cfc_unique_api_requests_total', 'cfc_unique_api_request_duration_seconds', 'cfc_unique_api_errors_total', 'process_cpu_seconds_total',
  ]) {
    t.match(metrics, new RegExp(`^# TYPE ${name} `, 'm'), name);
  }
  t.ok((sample(metrics, 'cfc_sync_duration_seconds_count', 'tenant="good",result="succeeded"') ?? 0) >= 2, 'good cycles timed');
  t.ok((sample(metrics, 'cfc_sync_duration_seconds_count', 'tenant="bad",result="failed"') ?? 0) >= 2, 'bad cycles timed');
  t.equal(sample(metrics, 'cfc_pages_processed_total', 'tenant="good",result="ingested"'), DEMO_INGESTED_PAGE_IDS.length);
  t.ok((sample(metrics, 'cfc_file_diff_events_total', 'tenant="good",diff_result_type="unchanged"') ?? 0) >= DEMO_INGESTED_PAGE_IDS.length);
  t.ok((sample(metrics, 'cfc_confluence_api_request_duration_seconds_count', 'tenant="good",endpoint="content/search",result="ok"') ?? 0) > 0);
  t.ok((sample(metrics, 'cfc_unique_api_errors_total', 'tenant="bad",http_status_class="4xx"') ?? 0) > 0, 'the 403s are counted');
  t.ok((sample(metrics, 'cfc_scan_duration_seconds_count', 'tenant="good"') ?? 0) >= 2);
  const lastSuccess = sample(metrics, 'cfc_last_successful_sync_timestamp_seconds', 'tenant="good"') ?? 0;
  t.ok(lastSuccess > Date.now() / 1000 - 60 && lastSuccess <= Date.now() / 1000, 'the last success of the healthy tenant is recent');
  t.equal(sample(metrics, 'cfc_last_successful_sync_timestamp_seconds', 'tenant="bad"'), undefined, 'the failing tenant never succeeded');
  t.ok((sample(metrics, 'cfc_sync_consecutive_failures', 'tenant="bad"') ?? 0) >= 2, 'failures in a row');
  t.equal(sample(metrics, 'cfc_sync_consecutive_failures', 'tenant="good"'), 0);
  t.ok((sample(metrics, 'cfc_sync_failures_total', 'tenant="bad",code="UNIQUE_GRAPHQL_ERROR"') ?? 0) >= 2, 'failures counted by code');
  t.equal(sample(metrics, 'cfc_sync_schedule_interval_seconds', 'tenant="good"'), 2, 'the */2-second cron is a 2 s interval');
  t.equal(sample(metrics, 'cfc_cycle_items', 'tenant="good",outcome="unchanged"'), DEMO_INGESTED_PAGE_IDS.length, 'the last cycle changed nothing');
  t.match(metrics, /^cfc_build_info\{version="\d+\.\d+\.\d+",node="v\d+[^"]*"\} 1$/m);

  daemon.child.kill('SIGTERM');
  const exit = await daemon.exited;
  t.equal(exit.code, 0, 'SIGTERM exits 0');
  t.notOk(daemon.logs.some((line) => line.msg === ABANDONED), 'stopped within its grace period, nothing abandoned');
  t.ok(daemon.logs.some((line) => line.msg === 'Connector stopped'));
  assertNoSecrets(t, { health: health.text, metrics, logs: JSON.stringify(daemon.logs), stderr: daemon.stderr() }, [PAT]);
  t.notMatch(daemon.stderr(), /\S/, 'nothing on stderr: node-cron output goes into the logs');
  unique.state.checkInvariants();
});

t.test('a slow cycle: overlapping ticks are skipped and counted; SIGTERM mid-ingestion leaves nothing half-written', async (t) => {
  const sims = await simulators(t);
  const { unique } = sims;
  // Every upload is held until the test lets it go, so the cycle is surely still ingesting
  // when the next ticks come, however fast the machine.
  const uploads = heldUploads(unique);
  const daemon = startDaemonProcess({
    TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'slow', cron: '* * * * * *', env: 'SLOW', concurrency: 2 }]),
    ...tenantEnv('SLOW', sims),
  });
  t.teardown(() => daemon.kill());

  const skipped = await daemon.waitFor(of('slow', 'Cycle skipped: the previous one is still running'), 30_000, 'an overlap');
  t.equal(skipped.trigger, 'schedule');
  const metrics = (await daemon.get('/metrics')).text;
  t.ok((sample(metrics, 'cfc_sync_overlaps_skipped_total', 'tenant="slow"') ?? 0) >= 1, 'the skip is counted');
  t.equal(sample(metrics, 'cfc_sync_running', 'tenant="slow"'), 1);
  t.match(metrics, /^cfc_sync_progress_phase\{tenant="slow",phase="[a-z-]+"\} 1$/m, 'the running cycle\'s phase');
  t.ok(sample(metrics, 'cfc_sync_progress_done_items', 'tenant="slow"') !== undefined, 'its progress, read at scrape time');
  const health = JSON.parse((await daemon.get('/health')).text);
  t.equal(health.details.sync.tenants.slow.runs, 0, 'a skipped overlap is not a run');
  t.equal(health.details.sync.tenants.slow.message, 'No sync records yet');

  await before(daemon, uploads.first, 'an upload in flight');
  daemon.child.kill('SIGTERM');
  await daemon.waitFor((line) => line.msg === 'Signal received, stopping', 20_000, 'the signal');
  // The uploads in flight now finish; nothing new may start.
  uploads.release();
  const exit = await daemon.exited;
  t.equal(exit.code, 0, 'SIGTERM exits 0');
  t.notOk(daemon.logs.some((line) => line.msg === ABANDONED), 'the items in flight finished within the grace period');
  t.ok(daemon.logs.some(of('slow', 'Cycle stopped for shutdown')), 'the cycle stopped between items');
  t.same(unique.state.contents().filter((c) => isLeaseKey(c.key)), [], 'the stopped cycle released the tenant lease');
  t.ok(unique.state.deletions().some((d) => d.key.startsWith('slow/connector-lease/')), 'it had claimed it');
  const contents = unique.state.contents();
  t.ok(contents.length > 0 && contents.length < DEMO_INGESTED_PAGE_IDS.length, `stopped part-way (${contents.length} stored)`);
  t.same(contents.filter((c) => c.ingestionState === 'REGISTERED').map((c) => c.key), [], 'no content registered but not finalized');
  const isLease = leaseRequests(unique);
  t.notOk(unique.requests.some((r) => r.operation === 'contentDeleteByContentIds' && !isLease(r)), 'no deletion phase ran after the stop (the lease released aside)');
  unique.state.checkInvariants();
});

t.test('a second signal exits at once', async (t) => {
  const sims = await simulators(t);
  // An upload held by the simulator keeps the first stop waiting for its item in flight.
  const uploads = heldUploads(sims.unique);
  const daemon = startDaemonProcess({
    TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'slow', cron: '0 0 * * *', env: 'SLOW' }]),
    ...tenantEnv('SLOW', sims),
  });
  t.teardown(() => daemon.kill());
  await before(daemon, uploads.first, 'an upload in flight');
  daemon.child.kill('SIGTERM');
  await daemon.waitFor((line) => line.msg === 'Signal received, stopping', 20_000, 'the first signal');
  daemon.child.kill('SIGTERM');
  const exit = await daemon.exited;
  t.equal(exit.code, 143);
});

t.test('an invalid tenant stops the start with the validate message', async (t) => {
  const daemon = startDaemonProcess({ TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'broken', cron: 'not a cron', env: 'X' }]) });
  const exit = await daemon.exited;
  t.equal(exit.code, 1);
  t.match(daemon.stderr(), /^broken: \S*broken-tenant-config\.yaml: /m);
  t.match(daemon.stderr(), /processing\.scanIntervalCron/);
});
