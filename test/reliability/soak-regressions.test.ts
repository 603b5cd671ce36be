/**
 * Regressions for bugs the fault soak (soak.test.ts, `npm run bench -- --faults`)
 * revealed, each named after what broke.
 */
import t from 'tap';
import { runSyncCycle } from '../../src/pipeline.js';
import { createTenantRuntime, type RuntimeTuning } from '../../src/tenant-runtime.js';
import { startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import { isLeaseKey } from '../helpers/tenant-lease.js';
import { until } from '../helpers/manual-clock.js';
import { checkInvariants, DeletionWatch, expectedFromDump, soakScenario } from './soak-helpers.js';

/**
 * undici checks its timeouts every ~0.5-1 s: a 250 ms headers timeout fires within ~1 s.
 * The "slow" answers below are held by the simulator until the test releases them, so a
 * timeout always fires first, however fast or slow the machine, and no test sleeps.
 */
const TUNING: RuntimeTuning = {
  retry: { retries: 2, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 20 },
  fileDiffRetry: { retries: 2, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 20 },
  timeouts: { headersMs: 250 },
};

/** A gate for held requests: how many arrived, and the release. */
function gate(): { hold: () => Promise<void>; arrived: () => number; release: () => void } {
  let arrived = 0;
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { hold: () => ((arrived += 1), opened), arrived: () => arrived, release };
}

async function syncWith(h: CycleHarness, tuning: RuntimeTuning = TUNING) {
  const runtime = createTenantRuntime(h.tenant, { logger: h.logger, env: { PROXY_AUTH_MODE: 'none' }, tuning });
  try {
    return await runSyncCycle(runtime);
  } finally {
    await runtime.close();
  }
}

t.test('a connection reset in the middle of a discovery page is retried, not taken for a body that is not JSON', async (t) => {
  const h = await startCycleHarness({ ...soakScenario(6), caps: { withBody: 2, withExpansions: 2, bare: 2 } });
  t.teardown(h.close);
  // Every listing page's first answer is cut off after its headers and part of its body.
  h.confluence.faults.add({ path: /\/rest\/api\/content\/search$/, resetMidBody: true, every: 2 });
  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.equal(result.summary.ingested, 6, 'every page discovered and ingested');
  t.ok(
    h.confluence.requests.filter((r) => r.path.endsWith('/content/search')).length > 3,
    'some listing pages were cut off and fetched again',
  );
});

t.test('a registration that times out is not sent again, so its late arrival cannot strip the bytes of a finalized content', async (t) => {
  const h = await startCycleHarness(soakScenario(3), { attachments: true });
  t.teardown(h.close);
  const expected = expectedFromDump(await h.dump());
  // The first registration is executed only after the client gave up on it. Retried, the
  // retry was uploaded and finalized first; the late original then re-registered the
  // content, dropping its bytes, and no later diff offered it again.
  const late = gate();
  // (An item's registration: the tenant lease's comes first and is not one.)
  const itemRegistration = (r: { variables?: unknown }) => {
    const variables = r.variables as { fileUrl?: string; input: { key: string } };
    return variables.fileUrl === undefined && !isLeaseKey(variables.input.key);
  };
  h.unique.faults.add({ operation: 'contentUpsert', when: itemRegistration, hold: late.hold, times: 1 });
  const first = await syncWith(h);
  t.equal(first.summary.failed, 1, 'the timed-out item fails this cycle');
  // Now the held original is executed, after the cycle that gave up on it.
  const upserts = () => h.unique.requests.filter((r) => r.operation === 'contentUpsert').length;
  const before = upserts();
  late.release();
  await until(() => upserts() > before, 'the late registration');
  const second = await syncWith(h);
  t.equal(second.summary.ingested, 1, 'the diff offers it again next cycle');
  const results = checkInvariants(h.unique, expected, new DeletionWatch(h.unique), []);
  t.same(results.registeredWithoutUpload, [], 'no content is left without its bytes');
  t.same(results.wrongBytes, []);
  t.same(results.missing, []);
});

t.test('a file diff answered after the headers timeout is asked again', async (t) => {
  const h = await startCycleHarness(soakScenario(3));
  t.teardown(h.close);
  await h.sync();
  h.unique.clearRequests();
  const late = gate();
  h.unique.faults.add({ path: '/v2/content/file-diff', hold: late.hold, times: 1 });
  const result = await syncWith(h);
  t.equal(result.outcome, 'succeeded');
  t.equal(result.summary.unchanged, 3);
  t.equal(late.arrived(), 1);
  late.release();
  const diffs = () => h.unique.requests.filter((r) => r.path.endsWith('/file-diff')).length;
  await until(() => diffs() === 4, 'the late diff');
  t.equal(diffs(), 4, 'one diff per space, plus the retry of the late one');
});

t.test('a write marked retryUnanswered: false is retried after a refused connection, never after a timeout', async (t) => {
  const { createServer } = await import('node:http');
  const { HttpClient } = await import('../../src/http/client.js');
  // Never answers: the headers timeout always fires first.
  const server = createServer(() => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const { port } = server.address() as { port: number };
  const attempts: string[] = [];
  const http = new HttpClient({ target: 'test', timeouts: { headersMs: 250 }, retry: { retries: 2, minTimeoutMs: 1, factor: 1, maxTimeoutMs: 1 }, onRequest: (e) => attempts.push(e.errorCode ?? e.outcome) });
  t.teardown(() => http.close());
  const send = (url: string) => http.request({ method: 'POST', url, body: '{}', retry: { retries: 2 }, retryUnanswered: false }).then(() => 'ok', (error: { details?: { errorCode?: string } }) => error.details?.errorCode);

  t.equal(await send(`http://127.0.0.1:${port}/slow`), 'UND_ERR_HEADERS_TIMEOUT');
  t.same(attempts, ['UND_ERR_HEADERS_TIMEOUT'], 'sent once: the first attempt may still be executed');
  attempts.length = 0;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  t.equal(await send(`http://127.0.0.1:${port}/refused`), 'ECONNREFUSED');
  t.equal(attempts.length, 3, 'a connection never made is retried');
});

t.test('HTTP_HEADERS_TIMEOUT_MS and HTTP_BODY_TIMEOUT_MS set the clients\' timeouts; a bad value is a config error', async (t) => {
  const { timeoutsFromEnv } = await import('../../src/tenant-runtime.js');
  t.same(timeoutsFromEnv({}), {}, 'unset: the defaults (30 s, 60 s) stay');
  t.same(timeoutsFromEnv({ HTTP_HEADERS_TIMEOUT_MS: '2000', HTTP_BODY_TIMEOUT_MS: '3000' }), { headersMs: 2000, bodyIdleMs: 3000 });
  t.throws(() => timeoutsFromEnv({ HTTP_HEADERS_TIMEOUT_MS: '2s' }), { code: 'CONFIG_INVALID', message: /HTTP_HEADERS_TIMEOUT_MS/ });
});
