/**
 * `sync` stops gracefully on SIGTERM (what Kubernetes sends a CronJob's pod or a
 * `kubectl exec` it deletes): the item in flight finishes, nothing new starts, the tenant
 * lease is released, nothing is left registered and unfinished, and the run exits 143.
 * The next sync picks up the rest.
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import { runCli } from '../../src/cli.js';
import { Capture } from '../helpers/capture.js';
import { isLeaseKey } from '../helpers/tenant-lease.js';
import { writeTenants } from './support/daemon-process.js';
import { simulators, tenantEnv } from './support/simulated-tenants.js';


t.test('SIGTERM during ingestion: in-flight items finish, the lease is released, exit 143, the next sync completes', async (t) => {
  const sims = await simulators(t, { latencyMs: 20 });
  const env = { TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'acme', cron: '*/15 * * * *', env: 'ACME', concurrency: 1 }]), ...tenantEnv('ACME', sims) };
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sync'], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  let signalled = false;
  // The first registration of an item (not the lease): the stop lands mid-ingestion.
  sims.unique.faults.add({
    operation: 'contentUpsert',
    when: (req) => {
      const key = String(req.variables?.input?.key ?? '');
      if (!signalled && !isLeaseKey(key) && req.variables?.fileUrl === undefined) signalled = child.kill('SIGTERM');
      return false;
    },
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  sims.unique.faults.clear();
  t.ok(signalled, 'SIGTERM was sent while items were being registered');
  t.equal(code, 143, 'exit 143: stopped by SIGTERM');
  const lines = stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line) as Record<string, unknown>);
  t.ok(lines.some((l) => l.msg === 'Signal received, stopping' && l.signal === 'SIGTERM'), 'the stop is logged');
  t.ok(lines.some((l) => l.msg === 'Sync run finished'), 'the run still ends with its summary');
  t.notOk(lines.some((l) => l.msg === 'Sync cycle failed'), 'a requested stop is not a failure');
  const contents = () => sims.unique.state.contents().filter((c) => !isLeaseKey(c.key));
  t.same(sims.unique.state.contents().filter((c) => isLeaseKey(c.key)), [], 'the lease was released');
  t.same(contents().filter((c) => c.metadata !== null && 'pendingIngestionAttempt' in c.metadata).map((c) => c.key), [], 'nothing left registered and unfinished');
  const afterStop = contents().length;

  const next = await runCli(['sync'], { env, stdout: new Capture(), stderr: new Capture() });
  t.equal(next, 0, 'the next sync succeeds');
  t.ok(afterStop < contents().length, `the stop left work undone (${afterStop} of ${contents().length} items), which the next sync did`);
  sims.unique.state.checkInvariants();
});
