/**
 * Two processes on one tenant (issue 10, finding 8), through the real CLI: while another
 * process holds the tenant lease, `sync` skips the tenant and exits 4, and the daemon
 * skips the tick with a WARN and counts it in `cfc_sync_lease_skipped_total`, without
 * a failure in `/health`. A dry run needs no lease.
 */
import t from 'tap';
import { runCli } from '../../src/cli.js';
import { Capture } from '../helpers/capture.js';
import { claimKey } from '../../src/unique/tenant-lease.js';
import type { UniqueSimulator } from '../simulators/unique/index.js';
import { startDaemonProcess, writeTenants, type LogLine } from './support/daemon-process.js';
import { simulators, tenantEnv } from './support/simulated-tenants.js';

const OTHER = 'other-pod:1:abcd';

/** Another process's unexpired claim of the lease on `tenant`, as it would have written it. */
function holdLease(unique: UniqueSimulator, tenant: string): void {
  unique.state.addContent({
    key: claimKey(tenant, OTHER),
    ownerId: `scope_${tenant}`,
    updatedAt: null,
    mimeType: 'application/json',
    metadata: { leaseHolder: OTHER, leaseExpiresAt: new Date(Date.now() + 5 * 60_000).toISOString() },
  });
}

function sample(text: string, name: string, labels: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

t.test('sync exits 4 when another process holds the tenant, writes nothing, and a dry run still runs', async (t) => {
  const sims = await simulators(t);
  holdLease(sims.unique, 'acme');
  const env = { TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'acme', cron: '*/15 * * * *', env: 'ACME' }]), ...tenantEnv('ACME', sims) };
  const cli = async (args: string[]) => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(args, { env, stdout, stderr });
    return { code, stdout, stderr };
  };
  const held = await cli(['sync']);
  t.equal(held.code, 4, 'exit 4: skipped for another process');
  const lines = held.stdout.lines() as LogLine[];
  const warn = lines.find((l) => l.msg === 'Cycle skipped: another process holds the tenant lease');
  t.match(warn, { level: 40, tenant: 'acme', code: 'TENANT_LEASE_HELD', holder: 'other-pod:1:abcd' });
  t.notOk(lines.some((l) => l.msg === 'Sync cycle failed'), 'not reported as a failure');
  t.match(lines.find((l) => l.msg === 'Sync run finished'), { outcomes: { skipped: 1 }, results: [{ tenant: 'acme', outcome: 'skipped', code: 'TENANT_LEASE_HELD' }] });
  t.same(sims.unique.state.contents().map((c) => c.key), [claimKey('acme', OTHER)], 'nothing ingested, nothing claimed');
  t.equal(sims.unique.state.content(claimKey('acme', OTHER))!.metadata!.leaseHolder, OTHER, "the holder's claim is untouched");

  const dry = await cli(['sync', '--dry-run']);
  t.equal(dry.code, 0, 'a dry run writes nothing and needs no lease');
  t.match(dry.stdout.text(), /to ingest/);
});

t.test('the daemon skips a tick whose tenant another process holds: WARN, counted, not a failure', async (t) => {
  const sims = await simulators(t);
  holdLease(sims.unique, 'good');
  const daemon = startDaemonProcess({
    TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'good', cron: '*/2 * * * * *', env: 'GOOD' }]),
    ...tenantEnv('GOOD', sims),
  });
  t.teardown(() => daemon.kill());
  const warn = await daemon.waitFor((l) => l.tenant === 'good' && l.msg === 'Cycle skipped: another process holds the tenant lease', 30_000, 'the lease skip');
  t.equal(warn.level, 40);
  const metrics = (await daemon.get('/metrics')).text;
  t.ok((sample(metrics, 'cfc_sync_lease_skipped_total', 'tenant="good"') ?? 0) >= 1, 'counted');
  t.equal(sample(metrics, 'cfc_sync_failures_total', 'tenant="good"'), undefined, 'no failure counted');
  const health = JSON.parse((await daemon.get('/health')).text);
  t.equal(health.details.sync.tenants.good.runs, 0, 'a skipped tick is not a run');
  t.equal(daemon.count((l) => l.msg === 'Sync cycle failed'), 0);
  t.same(sims.unique.state.contents().map((c) => c.key), [claimKey('good', OTHER)], 'nothing ingested, nothing claimed');
});
