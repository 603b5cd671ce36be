/**
 * Fault soak, small and in process (the full size runs as `npm run bench -- --faults`):
 * ~40 pages with attachments over three spaces, both simulators injecting 5xx, 429 with
 * Retry-After, connection resets and responses slower than the client timeout at once
 * (seeded), and OAuth tokens expiring on both sides on a timer. Cycles run until two in
 * a row change nothing; then every page and accepted attachment is in Unique once with
 * the right bytes, nothing live was ever deleted, nothing is left registered without an
 * upload, and no cycle that failed before its diff wrote anything.
 */
import t from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { runSyncCycle } from '../../src/pipeline.js';
import { createTenantRuntime, type RuntimeTuning } from '../../src/tenant-runtime.js';
import { startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import {
  DeletionWatch,
  changesOf,
  checkInvariants,
  contentWrites,
  converged,
  expectedFromDump,
  installFaultMix,
  soakScenario,
  type CycleRecord,
} from './soak-helpers.js';

const PAGES = 40;
/** Usually 5-8: a cycle whose init mutations fail twice (retried once) changes nothing but does not count. */
const MAX_CYCLES = 15;
/** Short enough that a "slow" answer (SLOW_MS) really times out. */
const TUNING: RuntimeTuning = {
  retry: { retries: 3, minTimeoutMs: 2, factor: 2, maxTimeoutMs: 20 },
  fileDiffRetry: { retries: 3, minTimeoutMs: 2, factor: 2, maxTimeoutMs: 20 },
  timeouts: { connectMs: 1_000, headersMs: 250, bodyIdleMs: 250 },
};
/** undici checks its timeouts every ~0.5-1 s: a 250 ms headers timeout fires within ~1 s. */
const SLOW_MS = 1_500;

function harness(seed?: number): Promise<CycleHarness> {
  return startCycleHarness(soakScenario(PAGES), {
    confluenceAuth: 'oauth',
    uniqueAuth: 'external',
    attachments: true,
    concurrency: 4,
    confluenceOptions: seed === undefined ? undefined : { seed },
  });
}

/** One cycle on a fresh runtime (as the CLI builds one per run), recorded for the invariants. */
async function cycle(h: CycleHarness, n: number, watch: DeletionWatch, settle: () => Promise<void>): Promise<CycleRecord> {
  const before = { confluence: h.confluence.requests.length, unique: h.unique.requests.length };
  watch.beforeCycle();
  const runtime = createTenantRuntime(h.tenant, { logger: h.logger, env: { PROXY_AUTH_MODE: 'none' }, tuning: TUNING });
  const record: CycleRecord = { cycle: n, outcome: 'succeeded', phases: [], changes: 0, contentWrites: 0, deletions: 0, requests: { confluence: 0, unique: 0 } };
  try {
    const result = await runSyncCycle(runtime);
    record.changes = changesOf(result.summary);
    record.phases = Object.keys((result.summary.phasesMs as Record<string, number>) ?? {});
  } catch (error) {
    record.outcome = isConnectorError(error) ? 'failed' : 'crashed';
    record.error = error instanceof Error ? error.message : String(error);
    const failedLine = h.logs.lines().filter((line) => line.msg === 'Sync cycle failed').at(-1);
    record.phases = Object.keys((failedLine?.phasesMs as Record<string, number> | undefined) ?? {});
    record.changes = -1;
  } finally {
    await runtime.close();
  }
  // A slow request the client gave up on is still executed: count it in its own cycle.
  await settle();
  record.contentWrites = contentWrites(h.unique.requests.slice(before.unique), h.unique);
  record.deletions = watch.afterCycle(n).length;
  record.requests = { confluence: h.confluence.requests.length - before.confluence, unique: h.unique.requests.length - before.unique };
  return record;
}

t.test('under 5xx, 429, resets, slow answers and token expiry on both sides, cycles converge with every item ingested once with the right bytes', async (t) => {
  // The fault-free run of the same scenario: what it costs, and what must end up in Unique.
  const clean = await harness();
  t.teardown(clean.close);
  await clean.sync();
  const cleanRequests = { confluence: clean.confluence.requests.length, unique: clean.unique.requests.length };
  const expected = expectedFromDump(await clean.dump());
  t.ok(expected.size > PAGES, 'the scenario has pages and accepted attachments');

  const h = await harness(Number(process.env.SOAK_SEED ?? 20260105));
  t.teardown(h.close);
  const mix = installFaultMix(h.confluence, h.unique, { slowMs: SLOW_MS, retryAfterSeconds: 1 });
  // Several expiries a cycle (the bench: every 20 s). Much faster and one request's
  // retries would span two expiries, while the client refreshes once per request.
  const expiry = setInterval(() => {
    h.confluence.expireTokens();
    h.unique.expireTokens();
  }, 400);
  t.teardown(() => clearInterval(expiry));
  const crashes: unknown[] = [];
  const onCrash = (error: unknown) => crashes.push(error);
  process.on('unhandledRejection', onCrash);
  t.teardown(() => process.off('unhandledRejection', onCrash));

  const watch = new DeletionWatch(h.unique);
  const cycles: CycleRecord[] = [];
  while (cycles.length < MAX_CYCLES && !converged(cycles)) cycles.push(await cycle(h, cycles.length + 1, watch, mix.settle));
  clearInterval(expiry);

  const spent = cycles.reduce((sum, c) => ({ confluence: sum.confluence + c.requests.confluence, unique: sum.unique + c.requests.unique }), { confluence: 0, unique: 0 });
  t.comment(JSON.stringify({ cycles: cycles.map((c) => ({ n: c.cycle, outcome: c.outcome, changes: c.changes, writes: c.contentWrites, deletions: c.deletions, error: c.error })) }));
  t.comment(JSON.stringify({ faultFree: cleanRequests, soak: spent }));
  t.ok(converged(cycles), `two consecutive cycles changed nothing within ${MAX_CYCLES} cycles (took ${cycles.length})`);
  const results = checkInvariants(h.unique, expected, watch, cycles);
  t.same(results.missing, [], 'no page or accepted attachment is missing');
  t.same(results.unexpected, [], 'nothing else is stored (rejected attachments stay out)');
  t.same(results.wrongBytes, [], 'each item is stored once, in its space, with the bytes Confluence has');
  t.same(results.registeredWithoutUpload, [], 'no content is left registered without an upload');
  t.same(results.liveDeletions, [], 'no ingested content was deleted');
  t.same(results.failedDiscoveryWrites, [], 'no cycle that failed before its diff wrote or deleted anything');
  t.same(results.crashedCycles, [], 'no cycle failed with anything but a connector error');
  t.equal(results.simulatorInvariants, 'ok', 'the Unique simulator invariants hold');
  t.same(crashes, [], 'no unhandled rejection');
  t.ok(spent.confluence > cleanRequests.confluence && spent.unique > cleanRequests.unique, 'the faults cost extra requests');
});
