/**
 * Discovery as a sync cycle sees it. What is selected from Confluence: the single
 * label, the all label with its descendants, one ingestion per page however it was
 * found, blog posts, and the content types that are skipped while their descendants
 * are not. And a listing that fails, loops or is throttled: failures abort the cycle
 * before any Unique write (a partial listing must never be diffed), throttling is
 * waited out.
 */
import t from 'tap';
import { cloudRateLimitHeaders } from '../simulators/confluence/index.js';
import { LABELS, startCycleHarness } from '../helpers/cycle-harness.js';
import { ALL, ENG, HR, SINGLE, page, registrations, rejection, storedIds } from './support/scenario.js';

t.test('a page with the single label is ingested and an unlabelled page is not', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [page('5001', 'ENG', { labels: SINGLE }), page('5002', 'ENG'), page('5003', 'ENG', { parentId: '5001' })],
  });
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.same(h.storedKeys(), ['acme/4101_ENG/5001'], 'only the labelled page, not its child nor its sibling');
  t.equal(result.summary.ingested, 1);
});

t.test('an all-labelled page is ingested together with its descendants two levels down', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [
      page('5001', 'ENG', { labels: ALL }),
      page('5002', 'ENG', { parentId: '5001' }),
      page('5003', 'ENG', { parentId: '5002' }),
      page('5004', 'ENG'),
    ],
  });
  t.teardown(h.close);
  await h.sync();
  t.same(storedIds(h), ['5001', '5002', '5003'], 'the labelled root itself, its child and its grandchild');
});

t.test('a page carrying both labels under two all-labelled ancestors is ingested once', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [
      page('5001', 'ENG', { labels: ALL }),
      page('5002', 'ENG', { parentId: '5001', labels: ALL }),
      page('5003', 'ENG', { parentId: '5002', labels: [LABELS.single, LABELS.all] }),
    ],
  });
  t.teardown(h.close);
  const result = await h.sync();
  t.same(storedIds(h), ['5001', '5002', '5003']);
  t.equal(registrations(h, 'acme/4101_ENG/5003').length, 1, 'registered once although found by E1 and by two E2 roots');
  t.equal(result.summary.discovered, 3);
  t.equal(result.summary.ingested, 3);
  const diff = h.unique.requests.find((r) => r.path.endsWith('/file-diff'));
  const fileList = (diff?.variables as { fileList: { key: string }[] }).fileList.map((item) => item.key).sort();
  t.same(fileList, ['5001', '5002', '5003'], 'the diff lists each page once');
});

t.test('a blog post is ingested like a page', async (t) => {
  const h = await startCycleHarness({
    spaces: [HR],
    content: [page('7001', 'HR', { type: 'blogpost', title: 'We moved', labels: SINGLE, body: '<p>New office on the 4th floor.</p>' })],
  });
  t.teardown(h.close);
  await h.sync();
  const stored = h.unique.state.content('acme/4103_HR/7001');
  t.ok(stored, 'the blog post is stored');
  t.equal(stored?.title, 'We moved');
  t.match(stored?.uploaded?.text, /New office on the 4th floor/);
});

t.test('database, whiteboard and folder items are skipped while their descendants are ingested', async (t) => {
  const h = await startCycleHarness(
    {
      spaces: [ENG],
      content: [
        page('5001', 'ENG', { type: 'database', labels: ALL, body: '' }),
        page('5002', 'ENG', { parentId: '5001' }),
        page('5003', 'ENG', { labels: ALL }),
        page('5004', 'ENG', { type: 'whiteboard', parentId: '5003', body: '' }),
        page('5005', 'ENG', { type: 'folder', parentId: '5003', body: '' }),
        page('5006', 'ENG', { parentId: '5004' }),
        page('5007', 'ENG', { parentId: '5005' }),
      ],
    },
    { flavour: 'cloud' },
  );
  t.teardown(h.close);
  const result = await h.sync();
  t.same(storedIds(h), ['5002', '5003', '5006', '5007']);
  t.equal(result.summary.skipped, 3, 'the database, the whiteboard and the folder');
  const diff = h.unique.requests.find((r) => r.path.endsWith('/file-diff'));
  const fileList = (diff?.variables as { fileList: { key: string }[] }).fileList.map((item) => item.key).sort();
  t.same(fileList, ['5002', '5003', '5006', '5007'], 'skipped types never reach the diff, so they are not new every cycle');

  h.unique.clearRequests();
  const second = await h.sync();
  t.equal(second.summary.new, 0, 'nothing is reported new on the next cycle');
  t.equal(second.summary.ingested, 0);
});

t.test('removing the all label from a root removes the root and all its descendants', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [
      page('5001', 'ENG', { labels: ALL }),
      page('5002', 'ENG', { parentId: '5001' }),
      page('5003', 'ENG', { parentId: '5002' }),
      page('5004', 'ENG', { labels: SINGLE }),
    ],
  });
  t.teardown(h.close);
  await h.sync();
  t.same(storedIds(h), ['5001', '5002', '5003', '5004']);
  h.confluence.state.setLabels('5001', []);
  const result = await h.sync();
  t.same(storedIds(h), ['5004']);
  t.equal(result.summary.deleted, 3);
});

t.test('a page moved out from under an all-labelled root is removed', async (t) => {
  const h = await startCycleHarness({
    spaces: [ENG],
    content: [page('5001', 'ENG', { labels: ALL }), page('5002', 'ENG', { parentId: '5001' }), page('5003', 'ENG', { parentId: '5002' })],
  });
  t.teardown(h.close);
  await h.sync();
  h.confluence.state.moveContent('5002', { parentId: null });
  await h.sync();
  t.same(storedIds(h), ['5001'], 'the moved page and its own child left the labelled tree');
});

t.test('a labelled page with an empty body is listed but never uploaded', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, body: '' }), page('5002', 'ENG', { labels: SINGLE })] });
  t.teardown(h.close);
  const result = await h.sync();
  t.same(storedIds(h), ['5002']);
  t.equal(result.summary.skipped, 1);
  t.equal(result.summary.failed, 0);
  t.same(registrations(h, 'acme/4101_ENG/5001'), [], 'not even registered');
});

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
  // Cloud: the listing pages through opaque cursors relative to /wiki, and the 429 carries Cloud's headers.
  const h = await startCycleHarness(sixPages, { flavour: 'cloud' });
  t.teardown(h.close);
  h.confluence.faults.add({ path: SEARCH, after: 1, times: 1, status: 429, retryAfter: 1, headers: cloudRateLimitHeaders(1) });
  const started = Date.now();
  const result = await h.sync();
  const elapsed = Date.now() - started;
  t.equal(result.outcome, 'succeeded');
  t.equal(storedIds(h).length, 6, 'the listing after the 429 is complete');
  t.ok(elapsed >= 950, `waited for Retry-After (took ${elapsed} ms)`);
  const searches = h.confluence.requests.filter((r) => SEARCH.test(r.path) && !r.query.expand?.includes('body.storage'));
  t.same(searches.map((r) => r.status), [200, 429, 200, 200], 'the throttled page was asked again, once');
  t.equal(searches[1]?.query.cursor, searches[2]?.query.cursor, 'the retry repeats the same cursor link');
  t.ok(searches[1]?.query.cursor, 'later pages follow the cursor link');
});
