import t from 'tap';
import type { TenantConfig } from '../../src/config/types.js';
import type { PageRecord } from '../../src/records.js';
import { discoverPages, discoveryStream, emptyReport, type DiscoveryReport } from '../../src/sources/confluence/index.js';
import { LABELS, SPACES, WHEN, collect, manyPages, startHarness, type Harness } from '../confluence/harness.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';

const SEARCH = /\/rest\/api\/content\/search$/;
const v = { number: 1, when: WHEN };

/** Single label, an "all" tree two levels deep, both labels, a blog post, an unknown-type root with a child. */
function tree(rootType: string): ScenarioContent[] {
  return [
    { id: '1', type: 'page', title: 'Single', spaceKey: 'ENG', version: v, labels: [LABELS.single, 'howto'] },
    { id: '2', type: 'page', title: 'Root', spaceKey: 'ENG', version: v, labels: [LABELS.all] },
    { id: '3', type: 'page', title: 'Child', spaceKey: 'ENG', parentId: '2', version: v },
    { id: '4', type: 'page', title: 'Grandchild', spaceKey: 'ENG', parentId: '3', version: v, labels: [LABELS.single] },
    { id: '5', type: 'page', title: 'Both', spaceKey: 'OPS', version: v, labels: [LABELS.all, LABELS.single] },
    { id: '6', type: 'blogpost', title: 'News', spaceKey: 'OPS', version: v, labels: [LABELS.single] },
    { id: '7', type: rootType, title: 'Odd root', spaceKey: 'OPS', version: v, labels: [LABELS.all] },
    { id: '8', type: 'page', title: 'Under odd root', spaceKey: 'OPS', parentId: '7', version: v },
    { id: '9', type: 'page', title: 'Unlabelled', spaceKey: 'ENG', version: v },
  ];
}

function byId(records: PageRecord[]): Map<string, PageRecord[]> {
  const map = new Map<string, PageRecord[]>();
  for (const record of records) map.set(record.id, [...(map.get(record.id) ?? []), record]);
  return map;
}

async function discover(h: Harness, extra: { maxItems?: number; config?: TenantConfig } = {}): Promise<{ records: PageRecord[]; report: DiscoveryReport }> {
  const report = emptyReport();
  const records = await collect(discoverPages({ api: h.api, config: extra.config ?? h.config, logger: h.logger, maxItems: extra.maxItems, report }));
  return { records, report };
}

t.test('DC with a PAT: labels, an "all" tree, both labels, a blog post, an unknown type skipped but its descendants kept', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: tree('ac:custom:thing') }, { auth: 'pat' });
  t.teardown(() => h.close());
  const { records, report } = await discover(h);
  const found = byId(records);
  t.same([...found.keys()].sort(), ['1', '2', '3', '4', '5', '6', '8'], 'unlabelled page and unknown type absent');
  t.same(found.get('1')![0]!.selection, { singleLabel: true, allLabel: false, viaAncestors: [] });
  t.same(found.get('1')![0]!.labels, ['howto']);
  t.same(found.get('2')![0]!.selection, { singleLabel: false, allLabel: true, viaAncestors: [] }, 'the labelled root itself is included');
  t.same(found.get('3')![0]!.selection.viaAncestors, ['2']);
  t.same(found.get('4')!.map((r) => r.selection), [
    { singleLabel: true, allLabel: false, viaAncestors: ['2'] },
    { singleLabel: true, allLabel: false, viaAncestors: ['2'] },
  ], 'found by label and by ancestor: yielded twice, the dedupe stage merges');
  t.same(found.get('4')![0]!.ancestors.map((a) => a.id), ['2', '3'], 'breadcrumb root first');
  t.same(found.get('5')![0]!.selection, { singleLabel: true, allLabel: true, viaAncestors: [] });
  t.equal(found.get('6')![0]!.type, 'blogpost');
  t.same(found.get('8')![0]!.selection.viaAncestors, ['7'], 'descendant of a skipped type still found');
  t.equal(found.get('8')![0]!.space.id, '98306');
  t.equal(found.get('1')![0]!.webUrl, `${h.sim.baseUrl}/pages/viewpage.action?pageId=1`);
  t.match(report, { truncated: false, records: 8, fromLabels: 5, fromDescendants: 3, allRoots: 3, skippedTypes: 1 });
  const warn = h.logs.lines().find((l) => l.level === 40 && l.contentId === '7');
  t.equal(warn?.contentType, 'ac:custom:thing', 'the skipped type is logged at WARN');
  const searches = h.apiRequests().filter((r) => SEARCH.test(r.path));
  t.equal(searches.length, 2, 'one label search, one descendant query');
  t.equal(searches[0]!.query.cql, '((label="ai-ingest") OR (label="ai-ingest-all")) AND space.type=global AND type != attachment');
  t.equal(searches[0]!.query.start, '0');
  const roots = /^ancestor IN \(([\d,]+)\) AND type != attachment$/.exec(searches[1]!.query.cql ?? '');
  t.same(roots?.[1]?.split(',').sort(), ['2', '5', '7'], 'every "all" root, whatever its type');
  t.ok(h.apiRequests().every((r) => r.authScheme === 'Bearer'));
});

t.test('Cloud with OAuth through the overridable Atlassian origin: a database root yields its pages', async (t) => {
  const spaces = [...SPACES, { id: 98307, key: 'TEAM', name: 'Team', type: 'collaboration' as const }];
  const content = [...tree('database'), { id: '30', type: 'page', title: 'Collab', spaceKey: 'TEAM', version: v, labels: [LABELS.single] }];
  const h = await startHarness({ flavour: 'cloud', spaces, content }, { auth: 'oauth' });
  t.teardown(() => h.close());
  const { records, report } = await discover(h);
  const found = byId(records);
  t.same([...found.keys()].sort(), ['1', '2', '3', '30', '4', '5', '6', '7', '8'], 'database root passed on (the content filter drops it), collaboration space scanned');
  t.equal(found.get('7')![0]!.type, 'database');
  t.same(found.get('8')![0]!.selection.viaAncestors, ['7']);
  t.equal(found.get('1')![0]!.webUrl, `${h.sim.baseUrl}/wiki/spaces/ENG/pages/1/Single`);
  t.equal(report.skippedTypes, 0);
  const token = h.sim.requests.filter((r) => r.path === '/oauth/token');
  t.equal(token.length, 1, 'one token for the whole discovery');
  t.equal(token[0]!.method, 'POST');
  const search = h.apiRequests()[0]!;
  t.equal(search.path, `/ex/confluence/${h.sim.cloudId}/wiki/rest/api/content/search`);
  t.equal(search.query.cql, '((label="ai-ingest") OR (label="ai-ingest-all")) AND (space.type=global OR space.type=collaboration) AND type != attachment');
  t.equal(search.authScheme, 'Bearer');
});

t.test('DC with OAuth 2LO, and an expired token refreshed mid-listing', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: manyPages(250, 1000, { labels: [LABELS.single] }), caps: { withExpansions: 100 } }, { auth: 'oauth' });
  t.teardown(() => h.close());
  const ids = new Set<string>();
  for await (const record of discoverPages({ api: h.api, config: h.config, logger: h.logger })) {
    ids.add(record.id);
    if (ids.size === 1) h.sim.expireTokens();
  }
  t.equal(ids.size, 250);
  const tokens = h.sim.requests.filter((r) => r.path === '/rest/oauth2/latest/token');
  t.equal(tokens.length, 2, 'one refresh after the 401');
  t.same(h.apiRequests().map((r) => r.status), [200, 401, 200, 200]);
});

t.test('150 labelled roots take two descendant queries of at most 100', async (t) => {
  const roots = manyPages(150, 1000, { labels: [LABELS.all] });
  const children = roots.map((r, i) => ({ ...manyPages(1, 5000 + i)[0]!, parentId: r.id }));
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [...roots, ...children] });
  t.teardown(() => h.close());
  const { records, report } = await discover(h);
  t.equal(records.length, 300);
  t.equal(report.allRoots, 150);
  const descendantQueries = h.apiRequests().filter((r) => r.query.cql?.startsWith('ancestor IN'));
  t.equal(descendantQueries.length, 2);
  t.same(descendantQueries.map((q) => q.query.cql!.split(',').length), [100, 50]);
});

t.test('maxItems stops discovery and flags the truncation; an exact fit is not truncated', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: manyPages(10, 1000, { labels: [LABELS.single] }) });
  t.teardown(() => h.close());
  const cut = await discover(h, { maxItems: 4 });
  t.equal(cut.records.length, 4);
  t.equal(cut.report.truncated, true);
  const exact = await discover(h, { maxItems: 10 });
  t.equal(exact.records.length, 10);
  t.equal(exact.report.truncated, false);
  const fromConfig = await discover(h, { config: { ...h.config, processing: { ...h.config.processing, maxItemsToScan: 3 } } });
  t.equal(fromConfig.records.length, 3, 'processing.maxItemsToScan is the default');
  t.ok(h.logs.lines().some((l) => l.level === 40 && l.truncated === true), 'truncation logged at WARN');
});

t.test('a 429 with Retry-After during discovery is waited out', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: manyPages(120, 1000, { labels: [LABELS.single] }) });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: SEARCH, status: 429, retryAfter: 1, times: 1, after: 1 });
  const started = Date.now();
  const { records } = await discover(h);
  t.equal(records.length, 120);
  t.ok(Date.now() - started >= 900, 'waited about the Retry-After second');
  t.same(h.apiRequests().map((r) => r.status), [200, 429, 200]);
});

t.test('discovery failing on page 3 rejects after the records already yielded', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: manyPages(250, 1000, { labels: [LABELS.single] }), caps: { withExpansions: 50 } });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: SEARCH, status: 400, after: 2 });
  const seen: PageRecord[] = [];
  const run = (async () => {
    for await (const record of discoverPages({ api: h.api, config: h.config, logger: h.logger })) seen.push(record);
  })();
  await t.rejects(run, { code: 'CONFLUENCE_HTTP_ERROR', details: { status: 400 } });
  t.equal(seen.length, 100);
});

t.test('a page with more than 25 attachments found twice is listed once', async (t) => {
  const attachments = Array.from({ length: 30 }, (_, i) => ({ id: `att${900 + i}`, title: `f${i}.pdf`, mediaType: 'application/pdf', size: 10 }));
  const content: ScenarioContent[] = [
    { id: '2', type: 'page', title: 'Root', spaceKey: 'ENG', version: v, labels: [LABELS.all] },
    { id: '3', type: 'page', title: 'Labelled child', spaceKey: 'ENG', parentId: '2', version: v, labels: [LABELS.single], attachments },
  ];
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content });
  t.teardown(() => h.close());
  const { records } = await discover(h);
  const child = records.filter((r) => r.id === '3');
  t.equal(child.length, 2);
  t.ok(child.every((r) => r.attachments.length === 30));
  t.equal(h.apiRequests().filter((r) => r.path.endsWith('/child/attachment')).length, 1);
});

t.test('with attachments disabled the expansion is not requested', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: tree('page') }, { attachments: false });
  t.teardown(() => h.close());
  const { records } = await discover(h);
  t.ok(records.length > 0);
  t.equal(h.apiRequests()[0]!.query.expand, 'metadata.labels,version,space,ancestors,restrictions.read.restrictions.user,restrictions.read.restrictions.group');
  t.ok(records.every((r) => r.attachments.length === 0));
});

t.test('discoveryStream yields the records through highland and ends with the error', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: tree('page') });
  t.teardown(() => h.close());
  const records = await discoveryStream({ api: h.api, config: h.config, logger: h.logger }).collect().toPromise(Promise);
  t.equal(records.length, 9);
  h.sim.faults.add({ path: SEARCH, status: 403, after: 1 });
  const outcome = await new Promise<{ error?: unknown; count: number }>((resolve) => {
    let count = 0;
    discoveryStream({ api: h.api, config: h.config, logger: h.logger })
      .stopOnError((error) => resolve({ error, count }))
      .each(() => {
        count += 1;
      })
      .done(() => resolve({ count }));
  });
  t.match(outcome.error, { code: 'CONFLUENCE_HTTP_ERROR' });
  t.equal(outcome.count, 6, 'records of the label search came through before the failure');
});
