/**
 * Body fetch: a search that fails because of one page is split down to that page, and
 * the next batch is already requested while the current one is ingested.
 */
import t from 'tap';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import { ENG, SINGLE, bodyRequests, page, storedIds } from './support/scenario.js';

const ids = (from: number, count: number) => Array.from({ length: count }, (_, i) => String(from + i));
const isBodySearch = (query: URLSearchParams) => query.get('expand')?.includes('body.storage') === true;

t.test('a page whose body Confluence cannot serve skips only itself, named in a warning', async (t) => {
  const pages = ids(5001, 7);
  const h = await startCycleHarness({ spaces: [ENG], content: pages.map((id) => page(id, 'ENG', { labels: SINGLE })) });
  t.teardown(h.close);
  // Any search that includes page 5004 fails, however often it is asked (a body Confluence cannot render).
  h.confluence.faults.add({ path: /\/content\/search$/, when: ({ query }) => isBodySearch(query) && /\b5004\b/.test(query.get('cql') ?? ''), status: 500 });
  const result = await h.sync();
  t.equal(result.outcome, 'partial', 'the failed page makes the cycle partial');
  t.equal(result.summary.ingested, 6, 'the six healthy pages of the batch are ingested');
  t.equal(result.summary.failed, 1);
  t.same(storedIds(h), pages.filter((id) => id !== '5004'));
  const warnings = h.logs.lines().filter((l) => l.level === 40 && String(l.msg).startsWith('Body fetch failed'));
  t.same(warnings.map((l) => [l.msg, l.pages, l.pageId]), [['Body fetch failed, pages skipped', 1, '5004']], 'one warning, naming the page');
  // 7 → 4 + 3 → (2 + 2) → (1 + 1): each failing search split in halves, the healthy halves fetched once.
  const searches = h.confluence.requests.filter((r) => isBodySearch(new URLSearchParams(r.query))).map((r) => r.query.cql!);
  const distinct = [...new Set(searches)];
  t.equal(distinct.length, 7, `a bisection, not a search per page: ${distinct.join(' | ')}`);
  t.equal(searches.filter((cql) => cql === distinct[0]).length, 4, 'the failing search was first retried as a transient error (three retries here)');
  t.equal(bodyRequests(h), 4 * 4 + 3, 'each failing search retried, each healthy one asked once');

  const again = await h.sync();
  t.equal(again.summary.new, 1, 'the skipped page is offered again next cycle');
  t.equal(again.summary.failed, 1);
  t.equal(again.summary.ingested, 0);
});

t.test('the next body batch is requested while the current one is ingested, and the one after only once it is done', async (t) => {
  const pages = ids(5001, 150);
  const h = await startCycleHarness({ spaces: [ENG], content: pages.map((id) => page(id, 'ENG', { labels: SINGLE })) }, { concurrency: 2 });
  t.teardown(h.close);
  // Registrations answered a little late, so ingesting a batch of 50 takes a while.
  h.unique.faults.add({ operation: 'contentUpsert', latencyMs: 5 });
  const result = await h.sync();
  t.equal(result.summary.ingested, 150);
  const searches = h.confluence.requests.filter((r) => isBodySearch(new URLSearchParams(r.query)));
  t.equal(searches.length, 3);
  const registrationTimes = h.unique.requests
    .filter((r) => r.operation === 'contentUpsert' && (r.variables as { fileUrl?: string }).fileUrl === undefined)
    .map((r) => r.at)
    .sort((a, b) => a - b);
  // Unique logs a request when it answers; Confluence when it arrives: both on this process's clock.
  t.ok(searches[1]!.at <= registrationTimes[10]!, 'batch 2 was asked for before the tenth page of batch 1 was registered');
  t.ok(searches[2]!.at >= registrationTimes[45]!, 'batch 3 only once batch 1 was nearly through: at most two batches of bodies are held');
});
