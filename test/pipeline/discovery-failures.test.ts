/**
 * A listing that fails, loops or is throttled: failures abort the cycle before any
 * Unique write (a partial listing must never be diffed), throttling is waited out.
 */
import t from 'tap';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import { ENG, SINGLE, page, rejection, storedIds } from './pipeline-helpers.js';

const SEARCH = /\/rest\/api\/content\/search$/;

/** Six labelled pages, two per result page (the simulator's cap), so the label search takes three pages. */
const sixPages = {
  spaces: [ENG],
  content: ['5001', '5002', '5003', '5004', '5005', '5006'].map((id) => page(id, 'ENG', { labels: SINGLE })),
  caps: { withExpansions: 2 },
};

t.test('a discovery failure on the third page of results writes nothing and fails the cycle', async (t) => {
  const h = await startCycleHarness(sixPages);
  t.teardown(h.close);
  await h.sync();
  t.equal(h.storedKeys().length, 6);

  h.unique.clearRequests();
  h.confluence.clearRequests();
  h.confluence.state.updateContent('5001', { body: '<p>edited</p>' });
  h.confluence.faults.add({ path: SEARCH, after: 2, status: 500 });
  const error = await rejection(h.sync());
  t.equal(error.code, 'CONFLUENCE_HTTP_ERROR');
  const searches = h.confluence.requests.filter((r) => SEARCH.test(r.path));
  t.ok(searches.length >= 3, 'the first two pages were read, the third failed (after its retries)');
  t.notOk(searches.some((r) => r.query.expand?.includes('body.storage')), 'no body was fetched');
  t.same(h.uniqueWrites(), [], 'nothing written to Unique');
  t.notOk(h.unique.requests.some((r) => r.path.endsWith('/file-diff')), 'a partial listing is never diffed');
  t.equal(storedIds(h).length, 6, 'nothing deleted');
});

t.test('a paging loop (a next link handed back again) is caught and fails the cycle without writes', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE })] });
  t.teardown(h.close);
  const item = (id: string) => ({
    id,
    type: 'page',
    status: 'current',
    title: `Loop ${id}`,
    space: { id: ENG.id, key: ENG.key, name: ENG.name, type: 'global' },
    version: { number: 1, when: '2026-01-05T08:00:00.000Z' },
    metadata: { labels: { results: [{ prefix: 'global', name: 'ai-ingest', id: '1', label: 'ai-ingest' }], start: 0, limit: 200, size: 1 } },
    _links: { webui: `/pages/viewpage.action?pageId=${id}` },
  });
  const envelope = (id: string) =>
    JSON.stringify({
      results: [item(id)],
      start: 0,
      limit: 1,
      size: 1,
      _links: { base: h.confluence.baseUrl, context: '', next: '/rest/api/content/search?cql=loop&limit=1&start=1' },
    });
  // Two different pages that both point at the same next link: the second hand-back is the loop.
  h.confluence.faults.add({ path: SEARCH, status: 200, body: envelope('9001'), times: 1 });
  h.confluence.faults.add({ path: SEARCH, status: 200, body: envelope('9002'), times: 1 });
  h.confluence.faults.add({ path: SEARCH, status: 200, body: envelope('9003') });
  const error = await rejection(h.sync());
  t.equal(error.code, 'DISCOVERY_FAILED');
  t.match(error.message, /next link repeated/);
  t.ok(h.confluence.requests.filter((r) => SEARCH.test(r.path)).length <= 3, 'stopped at once, no endless paging');
  t.same(h.uniqueWrites(), []);
  t.same(h.storedKeys(), []);
});

t.test('a 429 with Retry-After during discovery is waited out and the cycle succeeds', async (t) => {
  const h = await startCycleHarness(sixPages);
  t.teardown(h.close);
  h.confluence.faults.add({ path: SEARCH, after: 1, times: 1, status: 429, retryAfter: 1 });
  const started = Date.now();
  const result = await h.sync();
  const elapsed = Date.now() - started;
  t.equal(result.outcome, 'succeeded');
  t.equal(storedIds(h).length, 6, 'the listing after the 429 is complete');
  t.ok(elapsed >= 950, `waited for Retry-After (took ${elapsed} ms)`);
  const statuses = h.confluence.requests.filter((r) => SEARCH.test(r.path)).map((r) => r.status);
  t.ok(statuses.includes(429), 'the 429 was answered');
});
