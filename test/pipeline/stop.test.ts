/**
 * A stop request (the daemon's SIGTERM) ends every leg at its head: no body search,
 * image download or new item starts after it, items in flight finish, and nothing is
 * left half-written. Proven from the simulators' request logs.
 */
import t, { type Test } from 'tap';
import type { RequestEvent } from '../../src/http/types.js';
import { runSyncCycle } from '../../src/pipeline.js';
import { createTenantRuntime } from '../../src/tenant-runtime.js';
import { startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import { isLeaseKey } from '../helpers/tenant-lease.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';
import { ENG, SINGLE, page, rejection } from './support/scenario.js';

const CONCURRENCY = 2;

/** Aborts `controller` when Unique receives the `nth` registration; returns when that was. */
function stopAtRegistration(h: CycleHarness, controller: AbortController, nth: number): { at: () => number } {
  let seen = 0;
  let stoppedAt = Number.POSITIVE_INFINITY;
  h.unique.faults.add({
    operation: 'contentUpsert',
    when: (req) => {
      const variables = req.variables as { fileUrl?: string; input: { key: string } };
      if (variables.fileUrl === undefined && !isLeaseKey(variables.input.key) && ++seen === nth) {
        stoppedAt = Date.now();
        controller.abort(new Error('stop requested'));
      }
      return false;
    },
  });
  return { at: () => stoppedAt };
}

/** A cycle stopped at the `nth` registration; `started` lists each Confluence request's client-side start time. */
async function stoppedCycle(h: CycleHarness, nth: number) {
  const controller = new AbortController();
  const stop = stopAtRegistration(h, controller, nth);
  const started: { endpoint: string; url: string; at: number }[] = [];
  const onRequest = (event: RequestEvent) => {
    if (event.target === 'confluence') started.push({ endpoint: event.endpoint, url: event.url, at: Date.now() - event.durationMs });
  };
  const env = { ...process.env, ATLASSIAN_API_BASE_URL: h.confluence.apiBaseUrl, PROXY_AUTH_MODE: 'none' };
  const runtime = createTenantRuntime(h.tenant, { logger: h.logger, env, onRequest, tuning: { retry: { retries: 1, minTimeoutMs: 5 } } });
  try {
    const error = await rejection(runSyncCycle(runtime, { signal: controller.signal }));
    return { error, stoppedAt: stop.at(), started };
  } finally {
    await runtime.close();
  }
}

/** Item registrations (the tenant lease's left out). */
function registrations(h: CycleHarness) {
  return h.unique.requests.filter((r) => {
    const variables = r.variables as { fileUrl?: string; input?: { key: string } };
    return r.operation === 'contentUpsert' && variables.fileUrl === undefined && variables.input !== undefined && !isLeaseKey(variables.input.key);
  });
}

function assertNothingHalfWritten(t: Test, h: CycleHarness): void {
  for (const content of h.unique.state.contents()) t.ok(content.uploaded !== null, `${content.key} holds its bytes`);
  const registered = new Set(registrations(h).map((r) => (r.variables as { input: { key: string } }).input.key));
  const stored = new Set(h.storedKeys());
  const removed = new Set(h.contentDeletions().map((d) => d.key));
  t.ok([...registered].every((key) => stored.has(key) || removed.has(key)), 'every registration was finalized or removed');
}

t.test('after a stop no body search or new item starts; the items in flight finish', async (t) => {
  const content = Array.from({ length: 150 }, (_, i) => page(String(5001 + i), 'ENG', { labels: SINGLE }));
  const h = await startCycleHarness({ spaces: [ENG], content }, { concurrency: CONCURRENCY });
  t.teardown(h.close);
  const { error, stoppedAt } = await stoppedCycle(h, 5);
  t.equal(error.code, 'CYCLE_STOPPED', 'a stop is not a failure');

  const searches = h.confluence.requests.filter((r) => r.query.expand?.includes('body.storage'));
  t.equal(searches.length, 2, 'the first batch and the one prefetched before the stop; not the third');
  t.ok(searches.every((r) => r.at <= stoppedAt), 'no body search arrived after the stop');
  t.ok(registrations(h).length <= 4 + CONCURRENCY, `no item started after the stop (${registrations(h).length} registrations)`);
  t.ok(registrations(h).length >= 5);
  // (paginatedContent alone is no sign: the stored contents are listed before the diff.)
  t.notOk(h.uniqueWrites().includes('contentDeleteByContentIds'), 'no deletion ran (the released tenant lease aside)');
  t.notOk(h.logs.lines().some((l) => l.msg === 'Phase finished' && (l.phase === 'delete' || l.phase === 'orphans')), 'no deletion phase ran');
  assertNothingHalfWritten(t, h);
  t.ok(h.logs.lines().some((l) => l.msg === 'Phase finished' && l.phase === 'ingest'), 'the ingestion phase ended on its own');
});

t.test('after a stop no image download or attachment transfer starts', async (t) => {
  const content: ScenarioContent[] = Array.from({ length: 40 }, (_, i) => {
    const id = String(5001 + i);
    return page(id, 'ENG', {
      labels: SINGLE,
      body: `<p>Page ${id}</p><ac:image><ri:attachment ri:filename="chart-${id}.png" /></ac:image>`,
      attachments: [
        { id: `att${7001 + i}`, title: `chart-${id}.png`, mediaType: 'image/png', size: 600 },
        { id: `att${8001 + i}`, title: `report-${id}.pdf`, mediaType: 'application/pdf', size: 900 },
      ],
    });
  });
  const h = await startCycleHarness({ spaces: [ENG], content }, { concurrency: CONCURRENCY, attachments: true, inlineImages: true });
  t.teardown(h.close);
  const { error, stoppedAt, started } = await stoppedCycle(h, 6);
  t.equal(error.code, 'CYCLE_STOPPED');
  const images = h.confluence.requests.filter((r) => /\/chart-\d+\.png$/.test(r.path));
  const pdfs = h.confluence.requests.filter((r) => /\/report-\d+\.pdf$/.test(r.path));
  t.ok(images.length > 0, 'images were being inlined');
  // Only pages already in the pipeline at the stop had their images fetched: those being
  // ingested, those being inlined, and one pulled ahead, not the forty of the space.
  t.ok(images.length <= registrations(h).length + 2 * CONCURRENCY + 1, `image downloads stopped with the pages (${images.length} of 40)`);
  t.ok(pdfs.length <= registrations(h).length, 'an attachment is downloaded only for an item that was registered');
  t.ok(registrations(h).length <= 5 + CONCURRENCY, `no item started after the stop (${registrations(h).length} registrations)`);
  const imageStarts = started.filter((r) => /chart-\d+\.png/.test(r.url));
  t.equal(imageStarts.length, images.length);
  t.same(imageStarts.filter((r) => r.at > stoppedAt), [], 'the client started no image download after the stop');
  assertNothingHalfWritten(t, h);
});
