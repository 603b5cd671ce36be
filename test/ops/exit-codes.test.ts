/**
 * Honest outcomes (issue 10, finding 5): a cycle whose items fail is `partial`, and
 * `sync` says so with its exit code, so a CronJob never records success for a run that
 * wrote nothing. Exit codes: 0 succeeded, 1 failed, 2 usage or configuration, 3 partial.
 */
import t, { type Test } from 'tap';
import { runCli } from '../../src/cli.js';
import { EXIT, runExitCode } from '../../src/commands/sync.js';
import { DEMO_INGESTED_PAGE_IDS } from '../fixtures/demo-scenario.js';
import { Capture } from '../helpers/capture.js';
import { writeTenants } from './support/daemon-process.js';
import { simulators, tenantEnv, type Simulators } from './support/simulated-tenants.js';

async function sync(env: NodeJS.ProcessEnv) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(['sync'], { env, stdout, stderr });
  return { code, logs: stdout.lines(), stderr: stderr.text() };
}

/** Every upload PUT is held without an answer until the test ends: "a Unique upload that never answers". */
function uploadsNeverAnswer(t: Test, sims: Simulators): void {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  sims.unique.faults.add({ path: '/scoped/upload', hold: () => released });
  // Before the simulators close (teardowns run last-added first).
  t.teardown(() => release());
}

/** The client gives up on an unanswered request after this, instead of the production 30 s. */
const SHORT_HEADERS_TIMEOUT = { HTTP_HEADERS_TIMEOUT_MS: '300' };
/** Every item of the demo wiki in flight at once: each waits out its timeouts and retries in parallel. */
const HUNG_CONCURRENCY = 16;

t.test('regression: a Unique upload that never answers ends partial with exit 3, not succeeded with exit 0', async (t) => {
  const sims = await simulators(t);
  uploadsNeverAnswer(t, sims);
  const env = { TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'acme', cron: '*/15 * * * *', env: 'ACME', concurrency: HUNG_CONCURRENCY }]), ...tenantEnv('ACME', sims), ...SHORT_HEADERS_TIMEOUT };
  const { code, logs } = await sync(env);
  t.equal(code, EXIT.partial, 'exit 3');
  const finished = logs.find((line) => line.msg === 'Sync cycle finished');
  t.match(finished, { level: 40, outcome: 'partial', ingested: 0, failed: DEMO_INGESTED_PAGE_IDS.length }, 'the cycle summary is a WARN saying partial');
  const summary = logs.find((line) => line.msg === 'Sync run finished');
  t.same(summary?.outcomes, { partial: 1 });
  const progress = logs.filter((line) => line.msg === 'Sync progress');
  t.match(progress.at(-1), { failed: DEMO_INGESTED_PAGE_IDS.length, partial: true }, 'the progress line says partial too');
  t.same(sims.unique.state.contents().filter((content) => content.uploaded), [], 'nothing was written');
});

t.test('worst outcome wins across tenants: a failed tenant makes 1, a partial one 3', async (t) => {
  const good = await simulators(t);
  const hung = await simulators(t);
  uploadsNeverAnswer(t, hung);
  const tenants = [
    { name: 'good', cron: '*/15 * * * *', env: 'GOOD' },
    { name: 'acme', cron: '*/15 * * * *', env: 'HUNG', concurrency: HUNG_CONCURRENCY },
  ];
  const env = { ...tenantEnv('GOOD', good), ...tenantEnv('HUNG', hung), ...tenantEnv('BAD', good, { user: 'user_unknown' }), ...SHORT_HEADERS_TIMEOUT };
  const partial = await sync({ ...env, TENANT_CONFIG_PATH_PATTERN: writeTenants(tenants) });
  t.equal(partial.code, EXIT.partial, 'succeeded + partial: 3');
  t.same(partial.logs.find((line) => line.msg === 'Sync run finished')?.outcomes, { succeeded: 1, partial: 1 });

  const failed = await sync({ ...env, TENANT_CONFIG_PATH_PATTERN: writeTenants([...tenants, { name: 'bad', cron: '*/15 * * * *', env: 'BAD' }]) });
  t.equal(failed.code, EXIT.failed, 'a failed tenant: 1, whatever the others did');
});

t.test('a configuration error is exit 2, like a usage error', async (t) => {
  const missing = await sync({ TENANT_CONFIG_PATH_PATTERN: '/nonexistent/*-tenant-config.yaml' });
  t.equal(missing.code, EXIT.usage);
  t.match(missing.stderr, /\[CONFIG_NOT_FOUND\]/);
});

t.test('the exit code table', async (t) => {
  t.same(EXIT, { succeeded: 0, failed: 1, usage: 2, partial: 3, leaseHeld: 4 });
  t.equal(runExitCode([]), 0);
  t.equal(runExitCode(['succeeded', 'skipped', 'dry-run']), 0);
  t.equal(runExitCode(['succeeded', 'partial']), 3);
  t.equal(runExitCode(['partial', 'failed', 'succeeded']), 1);
  // Skipped for another process's lease (test/ops/tenant-lease.test.ts runs it for real).
  t.equal(runExitCode(['succeeded', 'lease-held']), 4);
  t.equal(runExitCode(['lease-held', 'partial']), 3);
  t.equal(runExitCode(['lease-held', 'failed']), 1);
});
