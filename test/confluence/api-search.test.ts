import t from 'tap';
import { contentExpand, discoveryCql } from '../../src/confluence/cql.js';
import { isConnectorError } from '../../src/errors.js';
import { LABELS, PAT, SPACES, WHEN, collect, manyPages, startHarness } from './harness.js';

const SEARCH = /\/rest\/api\/content\/search$/;

/** A content object as a fault body carries it. */
function item(id: string) {
  return { id, type: 'page', status: 'current', title: `Page ${id}`, space: { id: 98305, key: 'ENG', name: 'Engineering' }, version: { number: 1, when: WHEN } };
}
function body(ids: string[], next?: string): string {
  return JSON.stringify({ results: ids.map(item), start: 0, limit: 100, size: ids.length, _links: next ? { base: 'x', next } : { base: 'x' } });
}

t.test('DC paging follows the server next links through its caps', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: manyPages(250, 1000, { labels: [LABELS.single] }), caps: { withExpansions: 50 } });
  t.teardown(() => h.close());
  const pages = await collect(h.api.searchContent(discoveryCql('data-center', LABELS), contentExpand(true), { start: 0 }));
  t.same(pages.map((p) => p.length), [50, 50, 50, 50, 50]);
  t.equal(new Set(pages.flat().map((p) => p.id)).size, 250);
  const requests = h.apiRequests();
  t.equal(requests.length, 5, 'five requests for 250 items capped at 50');
  t.same(requests.map((r) => [r.query.limit, r.query.start]), [['100', '0'], ['50', '50'], ['50', '100'], ['50', '150'], ['50', '200']], 'later requests carry the server link (limit=50), not a rebuilt offset with limit=100');
  t.ok(requests.every((r) => r.authScheme === 'Bearer'), 'every call carries the PAT');
  t.equal(requests[0]!.query.expand, contentExpand(true));
});

t.test('Cloud paging follows opaque cursors on the gateway', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: manyPages(250, 1000, { labels: [LABELS.single] }) });
  t.teardown(() => h.close());
  const items = (await collect(h.api.searchContent(discoveryCql('cloud', LABELS), contentExpand(false), { start: 0 }))).flat();
  t.equal(items.length, 250);
  const requests = h.apiRequests();
  t.equal(requests.length, 3, 'Cloud caps expanded searches at 100');
  t.ok(requests.every((r) => r.path === `/ex/confluence/${h.sim.cloudId}/wiki/rest/api/content/search`), 'gateway path with /wiki');
  t.equal(requests[0]!.query.cursor, undefined);
  t.ok(requests[1]!.query.cursor && requests[2]!.query.cursor, 'continuations carry the server cursor');
  t.equal(requests[1]!.query.next, 'true');
});

t.test('a repeated next link fails the listing', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  const link = '/rest/api/content/search?cql=x&limit=1&start=1';
  h.sim.faults.add({ path: SEARCH, status: 200, body: body(['1'], link), times: 1 });
  h.sim.faults.add({ path: SEARCH, status: 200, body: body(['2'], link), times: 1 });
  await t.rejects(collect(h.api.searchContent('type=page', 'version')), { code: 'DISCOVERY_FAILED', message: /next link repeated.*search\?cql=x&limit=1&start=1/ });
  t.equal(h.apiRequests().length, 2);
});

t.test('a page repeating only known ids fails the listing', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: SEARCH, status: 200, body: body(['1', '2'], '/rest/api/content/search?a=1'), times: 1 });
  h.sim.faults.add({ path: SEARCH, status: 200, body: body(['2', '1'], '/rest/api/content/search?a=2'), times: 1 });
  await t.rejects(collect(h.api.searchContent('type=page', 'version')), { code: 'DISCOVERY_FAILED', message: /repeated only items/ });
});

t.test('a Cloud cursor handed back again fails the listing', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: SEARCH, status: 200, body: body(['1'], '/rest/api/content/search?next=true&cursor=abc&start=1'), times: 1 });
  h.sim.faults.add({ path: SEARCH, status: 200, body: body(['2'], '/rest/api/content/search?next=true&cursor=abc&start=2'), times: 1 });
  await t.rejects(collect(h.api.searchContent('type=page', 'version')), { code: 'DISCOVERY_FAILED', message: /cursor repeated/ });
});

t.test('the page-count bound stops a runaway listing', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: manyPages(120, 1000, { labels: [LABELS.single] }), caps: { withExpansions: 25 } }, { maxPages: 2 });
  t.teardown(() => h.close());
  await t.rejects(collect(h.api.searchContent(discoveryCql('data-center', LABELS), 'version,space')), { code: 'DISCOVERY_FAILED', message: /more than 2 pages/ });
});

t.test('an empty page with a next link is followed to the results after it, never taken as the end', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: SEARCH, status: 200, body: body([], '/rest/api/content/search?more=1'), times: 1 });
  h.sim.faults.add({ path: SEARCH, status: 200, body: body([], '/rest/api/content/search?more=2'), times: 1 });
  h.sim.faults.add({ path: SEARCH, status: 200, body: body(['1', '2']), times: 1 });
  t.same((await collect(h.api.searchContent('type=page', 'version'))).flat().map((i) => i.id), ['1', '2']);
  t.same(h.apiRequests().map((r) => r.query.more ?? '-'), ['-', '1', '2'], 'both next links of the empty pages were followed');
});

t.test('more empty pages in a row than the bound fail the listing instead of ending it', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [] }, { listingLimits: { maxEmptyPages: 3 } });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: SEARCH, status: 200, body: body(['1'], '/rest/api/content/search?more=0'), times: 1 });
  for (let i = 1; i <= 5; i += 1) h.sim.faults.add({ path: SEARCH, status: 200, body: body([], `/rest/api/content/search?more=${i}`), times: 1 });
  await t.rejects(collect(h.api.searchContent('type=page', 'version')), { code: 'DISCOVERY_FAILED', message: /4 pages in a row were empty but announced more/ });
  t.equal(h.apiRequests().length, 5, 'the first page, then three empty pages followed, the fourth fails');
});

t.test('a listing of ever new ids stops at the item bound with a discovery error', async (t) => {
  const h = await startHarness(
    { flavour: 'data-center', spaces: SPACES, content: manyPages(400, 1000, { labels: [LABELS.single] }), caps: { withExpansions: 25 } },
    { listingLimits: { maxItems: 60 } },
  );
  t.teardown(() => h.close());
  await t.rejects(collect(h.api.searchContent(discoveryCql('data-center', LABELS), 'version,space')), { code: 'DISCOVERY_FAILED', message: /more than 60 items; stopping before memory runs out/ });
  t.equal(h.apiRequests().length, 3, 'stopped at the third page of 25, long before the 16 pages the server would list');
});

t.test('a broken envelope is CONFLUENCE_RESPONSE_INVALID naming the endpoint', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: SEARCH, status: 200, body: JSON.stringify({ results: [] }), times: 1 });
  await t.rejects(collect(h.api.searchContent('type=page', 'version')), { code: 'CONFLUENCE_RESPONSE_INVALID', message: /content\/search.*_links/ });
  h.sim.faults.add({ path: SEARCH, status: 200, body: JSON.stringify({ _links: {} }), times: 1 });
  await t.rejects(collect(h.api.searchContent('type=page', 'version')), { code: 'CONFLUENCE_RESPONSE_INVALID', message: /results/ });
  h.sim.faults.add({ path: SEARCH, status: 200, body: '<html>oops</html>', times: 1 });
  await t.rejects(collect(h.api.searchContent('type=page', 'version')), { code: 'CONFLUENCE_RESPONSE_INVALID', message: /not JSON/ });
});

t.test('an item missing its space is skipped with a warning, the rest kept', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  const broken = { id: '2', type: 'page', title: 'No space', version: { when: WHEN } };
  h.sim.faults.add({ path: SEARCH, status: 200, body: JSON.stringify({ results: [item('1'), broken], _links: {} }) });
  const items = (await collect(h.api.searchContent('type=page', 'version'))).flat();
  t.same(items.map((i) => i.id), ['1']);
  const warning = h.logs.lines().find((l) => l.level === 40 && l.contentId === '2');
  t.equal(warning?.reason, 'missing space');
});

t.test('an HTTP failure is CONFLUENCE_HTTP_ERROR with the status and without the token', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: SEARCH, status: 403 });
  const error = await collect(h.api.searchContent('type=page', 'version')).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'CONFLUENCE_HTTP_ERROR'));
  if (!isConnectorError(error)) return;
  t.equal(error.details.status, 403);
  t.equal(error.details.endpoint, 'content/search');
  t.notOk(JSON.stringify({ message: error.message, details: error.details }).includes(PAT), 'no token in message or details');
  t.equal(h.apiRequests().length, 1, '403 is not retried');
});

t.test('fetchBodies batches 50 ids a request and leaves missing ids out', async (t) => {
  const pages = manyPages(118, 1000).map((p) => ({ ...p, version: { number: 3, when: '2025-03-04T11:12:44+02:00' } }));
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: pages });
  t.teardown(() => h.close());
  const ids = [...pages.map((p) => p.id), '99998', '99999'];
  const bodies = await h.api.fetchBodies(ids);
  t.equal(bodies.size, 118);
  t.notOk(bodies.has('99999'));
  t.same(bodies.get('1005'), { storage: '<p>Body of 1005</p>', versionWhen: '2025-03-04T09:12:44.000Z' });
  const requests = h.apiRequests();
  t.equal(requests.length, Math.ceil(120 / 50), 'ceil(n/50) requests');
  t.match(requests[0]!.query.cql, /^id IN \(1000,1001,/);
  t.equal(requests[0]!.query.expand, 'body.storage,version,space,metadata.labels');
  t.equal(requests[0]!.query.limit, '50');
});

t.test('fetchBodies on Cloud uses the gateway and the same batching', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: manyPages(60, 1000) });
  t.teardown(() => h.close());
  const bodies = await h.api.fetchBodies(manyPages(60, 1000).map((p) => p.id));
  t.equal(bodies.size, 60);
  t.equal(h.apiRequests().length, 2);
});
