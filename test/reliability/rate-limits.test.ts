/**
 * Rate limits (Confluence contract §10): with Confluence enforcing the same limit as
 * the tenant's `apiRateLimitPerMinute`, the client-side limiter keeps a whole cycle
 * free of 429s; with Confluence enforcing half of it, the cycle still completes by
 * waiting out each Retry-After. Both windows are shrunk from 60 s to keep this fast
 * (simulator `rateLimitWindowMs`, runtime tuning `rateWindowMs`); the arithmetic is
 * the same per window.
 */
import t from 'tap';
import { runSyncCycle } from '../../src/pipeline.js';
import type { RequestEvent } from '../../src/http/types.js';
import { createTenantRuntime } from '../../src/tenant-runtime.js';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';
import { ENG, SINGLE, page } from '../pipeline/support/scenario.js';
import { watchUnhandledRejections } from './support/hostile.js';

interface Shape {
  /** The tenant's apiRateLimitPerMinute, per `windowMs` here. */
  limit: number;
  windowMs: number;
  pages: number;
}

/** Zero 429s: 10 pages listed 2 a request and fetched 2 a request, 10–11 calls, more than twice the limit. */
const SAME_LIMIT: Shape = { limit: 4, windowMs: 2000, pages: 10 };
/** Half the limit: a short window, since every 429 costs the whole-second Retry-After anyway. */
const HALF_LIMIT: Shape = { limit: 6, windowMs: 500, pages: 12 };

/**
 * The limiter's transit margin is 2 % of its window: 1.2 s in a real 60 s window, but
 * only 40 ms in the 2 s one here, less than one request's transit on a loaded 2-core
 * machine (a run failed that way). The client's window carries an absolute margin of
 * the same order instead; the server still enforces exactly `shape.windowMs`.
 */
const SHORT_WINDOW_TRANSIT_MS = 250;

async function rateLimitedCycle(shape: Shape, serverLimit: number, flavour: 'data-center' | 'cloud', clientWindowMs = shape.windowMs) {
  const content: ScenarioContent[] = Array.from({ length: shape.pages }, (_, i) => page(String(5001 + i), 'ENG', { labels: SINGLE }));
  const h = await startCycleHarness(
    { spaces: [ENG], content, caps: { withExpansions: 2, withBody: 2 } },
    {
      flavour,
      confluenceOptions: { strictRateLimitPerMinute: serverLimit, rateLimitWindowMs: shape.windowMs },
      tenant: (config) => (config.confluence.apiRateLimitPerMinute = shape.limit),
    },
  );
  const events: RequestEvent[] = [];
  const runtime = createTenantRuntime(h.tenant, {
    logger: h.logger,
    env: { ...process.env, ATLASSIAN_API_BASE_URL: h.confluence.apiBaseUrl, PROXY_AUTH_MODE: 'none' },
    onRequest: (event) => {
      if (event.target === 'confluence') events.push(event);
    },
    // Backoff alone (5, 10, 20 ms) could never outlast the window: only honouring Retry-After can.
    tuning: { retry: { retries: 3, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 2500 }, rateWindowMs: clientWindowMs },
  });
  try {
    // Warm-up: the first request of a fresh client opens its connection and arrives tens
    // of ms after it started. The limiter's transit margin (2 % of the window) covers that
    // in a 60 s window but not in the short ones used here, so the connection is opened
    // (and the DC instance id cached) first, and the cycle starts one window later.
    await runtime.confluence.instanceId();
    await new Promise((resolve) => setTimeout(resolve, clientWindowMs * 1.1));
    h.confluence.clearRequests();
    const result = await runSyncCycle(runtime);
    return { h, result, events };
  } finally {
    await runtime.close();
  }
}

/** Requests the simulator's rate limit counts (token requests are exempt). */
function counted(h: Awaited<ReturnType<typeof startCycleHarness>>) {
  return h.confluence.requests.filter((r) => r.server === 'main' && !/token$/.test(r.path));
}

for (const flavour of ['data-center', 'cloud'] as const) {
  t.test(`${flavour}: Confluence enforcing the configured limit sees a whole cycle without one 429`, async (t) => {
    const unhandled = watchUnhandledRejections(t);
    const { h, result } = await rateLimitedCycle(SAME_LIMIT, SAME_LIMIT.limit, flavour, SAME_LIMIT.windowMs + SHORT_WINDOW_TRANSIT_MS);
    t.teardown(h.close);
    t.equal(result.outcome, 'succeeded');
    t.equal(result.summary.ingested, SAME_LIMIT.pages);
    const requests = counted(h);
    t.ok(requests.length > 2 * SAME_LIMIT.limit, `the cycle made more requests (${requests.length}) than two windows allow`);
    t.same(requests.filter((r) => r.status === 429), [], 'no 429');
    t.same(unhandled, []);
  });
}

t.test('Confluence enforcing half the configured limit is waited out by Retry-After', async (t) => {
  const unhandled = watchUnhandledRejections(t);
  const { h, result, events } = await rateLimitedCycle(HALF_LIMIT, HALF_LIMIT.limit / 2, 'data-center');
  t.teardown(h.close);
  t.equal(result.outcome, 'succeeded', 'the cycle completes');
  t.equal(result.summary.ingested, HALF_LIMIT.pages, 'every page made it');
  t.equal(result.summary.failed, 0);
  const throttled = counted(h).filter((r) => r.status === 429);
  t.ok(throttled.length > 0, `Confluence did throttle (${throttled.length} times)`);
  const retries = events.filter((e) => e.throttled);
  t.equal(retries.length, throttled.length, 'every 429 was seen by the client');
  t.ok(retries.every((e) => e.outcome === 'retry' && e.retryAfterMs === 1000), 'each wait was the Retry-After of the answer (1 s), not a backoff');
  t.same(unhandled, []);
});
