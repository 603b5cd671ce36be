import t from 'tap';
import { runCli } from '../../src/cli.js';
import { CycleProgress, PROGRESS_INTERVAL_MS, progressIntervalFromEnv } from '../../src/progress.js';
import { TerminalProgress, renderProgress } from '../../src/progress-bar.js';
import { DEMO_INGESTED_PAGE_IDS } from '../fixtures/demo-scenario.js';
import { Capture, capturedLogger } from '../helpers/capture.js';
import { writeTenants } from './support/daemon-process.js';
import { simulators, tenantEnv } from './support/simulated-tenants.js';

/** A captured stderr that says it is a terminal, as process.stderr does on a TTY. */
class FakeTerminal extends Capture {
  readonly isTTY = true;
  readonly columns = 200;
}

t.test('progress reports done/total, failures, rate and time left, and a line at each phase end', async (t) => {
  const { logger, output } = capturedLogger('info');
  const progress = new CycleProgress({ logger, tenant: 'acme', intervalMs: 60_000 });
  progress.phaseStarted('discovery');
  t.equal(progress.snapshot().total, undefined, 'no total before the diff');
  progress.phaseFinished();
  progress.counted('new', 8);
  progress.counted('updated', 2);
  progress.phaseStarted('ingest');
  progress.item('page', 'ingested', 5);
  progress.item('page', 'failed', 5);
  const later = progress.snapshot(Date.now() + 2000);
  t.equal(later.done, 2);
  t.equal(later.total, 10);
  t.equal(later.failed, 1);
  t.equal(later.phase, 'ingest');
  t.ok(later.phaseElapsedMs >= 2000, 'time in the phase');
  t.ok(later.ratePerSecond! > 0 && later.ratePerSecond! <= 1.01);
  t.ok(later.etaSeconds! >= 7, `eta ${later.etaSeconds}`);
  const lines = output.lines();
  t.equal(lines.length, 1, 'a line at the phase end');
  t.equal(lines[0]?.msg, 'Sync progress');
  t.equal(lines[0]?.phase, 'discovery');
  t.same(progress.counts, { new: 8, updated: 2, ingested: 1, failed: 1 }, 'every count kept for the summary');
});

t.test('rejected attachments are not writes: done never runs past the plan', async (t) => {
  const { logger } = capturedLogger('info');
  const progress = new CycleProgress({ logger, tenant: 'acme' });
  // The pipeline reports rejected attachments as items during discovery, before the diff.
  progress.item('attachment', 'rejected', 0);
  progress.item('attachment', 'rejected', 0);
  progress.counted('new', 1);
  progress.item('page', 'ingested', 3);
  const snapshot = progress.snapshot();
  t.equal(snapshot.done, 1);
  t.equal(snapshot.total, 1);
  t.equal(snapshot.etaSeconds, 0);
  t.equal(progress.counts.rejected, 2, 'still counted as rejected');
});

t.test('PROGRESS_INTERVAL_SECONDS sets the interval; 0 keeps only the phase-end lines; garbage is a config error', async (t) => {
  t.equal(progressIntervalFromEnv({}), PROGRESS_INTERVAL_MS);
  t.equal(PROGRESS_INTERVAL_MS, 30_000, '30 s by default');
  t.equal(progressIntervalFromEnv({ PROGRESS_INTERVAL_SECONDS: '5' }), 5000);
  t.equal(progressIntervalFromEnv({ PROGRESS_INTERVAL_SECONDS: '0' }), 0);
  t.throws(() => progressIntervalFromEnv({ PROGRESS_INTERVAL_SECONDS: 'soon' }), { code: 'CONFIG_INVALID' });
  const { logger, output } = capturedLogger('info');
  const progress = new CycleProgress({ logger, tenant: 'acme', intervalMs: 0 });
  progress.start();
  progress.phaseStarted('diff');
  progress.phaseFinished();
  progress.stop();
  t.equal(output.lines().length, 1);
});

t.test('the terminal bar: done/total, rate, ETA and failures on one line, redrawn in place and cleared at the end', async (t) => {
  const snapshot = { phase: 'ingest', phaseElapsedMs: 5000, done: 120, total: 2000, failed: 2, ratePerSecond: 6.1, etaSeconds: 308, elapsedMs: 9000 };
  t.equal(renderProgress('acme', snapshot), 'acme ingest [#-------------------] 120/2000 6.1/s ETA 5m08s 2 failed');
  t.equal(renderProgress('acme', { ...snapshot, phase: 'discovery', total: undefined, failed: 0, phaseElapsedMs: 75_000 }), 'acme discovery 1m15s');
  const terminal = new FakeTerminal();
  const bar = new TerminalProgress(terminal);
  bar.update('acme', snapshot);
  bar.remove('acme');
  t.equal(terminal.chunks[0], `\r\x1b[K${renderProgress('acme', snapshot)}`);
  t.equal(terminal.chunks.at(-1), '\r\x1b[K', 'the line is cleared once no cycle runs');
});

async function sync(env: NodeJS.ProcessEnv, stderr = new Capture()) {
  const stdout = new Capture();
  const code = await runCli(['sync'], { env, stdout, stderr });
  return { code, logs: stdout.lines(), stderr: stderr.text() };
}

t.test('sync logs the same progress lines as the daemon and ends with a summary across tenants', async (t) => {
  const sims = await simulators(t);
  const env = {
    TENANT_CONFIG_PATH_PATTERN: writeTenants([
      { name: 'good', cron: '*/15 * * * *', env: 'GOOD' },
      { name: 'bad', cron: '*/15 * * * *', env: 'BAD' },
      { name: 'idle', cron: '*/15 * * * *', env: 'GOOD', status: 'inactive' },
    ]),
    ...tenantEnv('GOOD', sims),
    ...tenantEnv('BAD', sims, { user: 'user_unknown' }),
  };
  const { code, logs } = await sync(env);
  t.equal(code, 1, 'a failed tenant fails the run');
  const progress = logs.filter((line) => line.msg === 'Sync progress' && line.tenant === 'good');
  t.ok(progress.length >= 4, 'a progress line at each phase end');
  const last = progress.at(-1)!;
  t.same([last.done, last.total, last.failed], [DEMO_INGESTED_PAGE_IDS.length, DEMO_INGESTED_PAGE_IDS.length, 0]);
  for (const field of ['phase', 'phaseElapsedMs', 'ratePerSecond', 'etaSeconds', 'elapsedMs']) t.ok(field in last, `progress has ${field}`);
  const summary = logs.find((line) => line.msg === 'Sync run finished');
  t.ok(summary, 'one summary line');
  t.same(summary?.outcomes, { succeeded: 1, failed: 1, skipped: 1 });
  t.equal((summary?.totals as Record<string, number>).ingested, DEMO_INGESTED_PAGE_IDS.length);
  const results = summary?.results as Record<string, unknown>[];
  t.same(results.map((r) => [r.tenant, r.outcome]), [['bad', 'failed'], ['good', 'succeeded'], ['idle', 'skipped']]);
  t.equal(results[0]?.code, 'UNIQUE_GRAPHQL_ERROR', 'a failed tenant names its error code');
  t.equal(logs.at(-1)?.msg, 'Sync run finished', 'the summary is the last line');
});

t.test('on a terminal, sync draws a bar on stderr instead of progress lines and prints the summary table', async (t) => {
  const sims = await simulators(t);
  const env = { TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'good', cron: '*/15 * * * *', env: 'GOOD' }]), ...tenantEnv('GOOD', sims) };
  const terminal = new FakeTerminal();
  const { code, logs, stderr } = await sync(env, terminal);
  t.equal(code, 0);
  t.notOk(logs.some((line) => line.msg === 'Sync progress'), 'no progress lines in the logs');
  t.match(stderr, /\r\x1b\[Kgood \S+/, 'a bar redrawn in place');
  t.match(stderr, /^tenant +outcome +discovered +new +updated +unchanged +ingested +failed +deleted +time$/m);
  t.match(stderr, new RegExp(`^good +succeeded +\\d+ +${DEMO_INGESTED_PAGE_IDS.length} +0 +0 +${DEMO_INGESTED_PAGE_IDS.length} +0 +0 +\\d+s$`, 'm'));
  t.match(stderr, /^total +1 succeeded/m);
});
