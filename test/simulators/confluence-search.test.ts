import t from 'tap';
import { CqlError, parseCql } from './confluence/cql-parser.js';
import { CqlSearch } from './confluence/cql-eval.js';
import { startConfluenceSimulator, type ScenarioContent } from './confluence/index.js';
import { ConfluenceStore } from './confluence/store.js';
import { discoveryCql, sampleScenario } from './confluence/sample-scenario.js';
import { bearer, getJson, patAuth, restRoot, searchAll } from './confluence-helpers.js';

const E1_EXPAND = 'metadata.labels,version,space,children.attachment,children.attachment.version,children.attachment.extensions';

t.test('CQL parser', async (t) => {
  t.test('parses every clause of the subset', async (t) => {
    t.same(parseCql('label = "ai-ingest"'), { kind: 'label', value: 'ai-ingest' });
    t.same(parseCql('space.type=global'), { kind: 'spaceType', value: 'global' });
    t.same(parseCql('type = page'), { kind: 'type', value: 'page', negated: false });
    t.same(parseCql('type!=attachment'), { kind: 'type', value: 'attachment', negated: true });
    t.same(parseCql('ancestor IN (1,2, 3)'), { kind: 'ancestor', ids: ['1', '2', '3'] });
    t.same(parseCql('ancestor = 7'), { kind: 'ancestor', ids: ['7'] });
    t.same(parseCql('id=65601'), { kind: 'id', ids: ['65601'] });
    t.same(parseCql('id in ("1","2")'), { kind: 'id', ids: ['1', '2'] });
    t.same(parseCql('space = "ENG"'), { kind: 'space', key: 'ENG' });
    t.same(parseCql('title = "Say \\"hi\\" \\\\ bye"'), { kind: 'title', value: 'Say "hi" \\ bye' });
  });

  t.test('keywords and fields are case-insensitive and whitespace is free', async (t) => {
    t.same(parseCql('  LABEL="x"   and\tTYPE  !=  attachment  Or Id In(1)'), parseCql('label="x" AND type != attachment OR id IN (1)'));
  });

  t.test('AND binds tighter than OR; parentheses override', async (t) => {
    t.same(parseCql('id=1 OR id=2 AND type=page'), {
      kind: 'or',
      items: [{ kind: 'id', ids: ['1'] }, { kind: 'and', items: [{ kind: 'id', ids: ['2'] }, { kind: 'type', value: 'page', negated: false }] }],
    });
    t.same(parseCql('(id=1 OR id=2) AND type=page'), {
      kind: 'and',
      items: [{ kind: 'or', items: [{ kind: 'id', ids: ['1'] }, { kind: 'id', ids: ['2'] }] }, { kind: 'type', value: 'page', negated: false }],
    });
  });

  t.test('rejects anything outside the subset', async (t) => {
    for (const cql of [
      '', 'text ~ "x"', 'label != "x"', 'NOT label = "x"', 'label = "x" AND', '(label = "x"', 'label = "x")',
      'id = abc', 'title = "unterminated', 'ancestor IN 1', 'type IN (page)', 'label = "x" ORDER BY id', 'created > now("-1d")',
    ]) {
      t.throws(() => parseCql(cql), CqlError, JSON.stringify(cql));
    }
  });
});

t.test('CQL over HTTP', async (t) => {
  for (const flavour of ['cloud', 'data-center'] as const) {
    t.test(flavour, async (t) => {
      const sim = await startConfluenceSimulator(sampleScenario(flavour));
      t.teardown(() => sim.close());
      const auth = await bearer(sim);
      const ids = async (cql: string): Promise<string[]> => (await searchAll(sim, cql, '', auth)).ids;

      t.test('discovery (§4) finds labelled current content in scanned space types only', async (t) => {
        const expected = ['1000', '1001', '1006', '1013', '1016', '1017'];
        if (flavour === 'cloud') expected.splice(5, 0, '1011');
        t.same((await searchAll(sim, discoveryCql(flavour), E1_EXPAND, auth)).ids.sort(), expected.sort());
      });

      t.test('ancestor IN matches descendants at any depth and of every type', async (t) => {
        t.same(await ids('ancestor IN (1001,1013) AND type != attachment'), ['1002', '1003', '1004', '1005', '1014']);
        t.same(await ids('ancestor = 1002'), ['1003']);
      });

      t.test('single clauses', async (t) => {
        t.same(await ids('id=1000'), ['1000']);
        t.same(await ids('id IN (1000, 1008, 1012, 999999)'), ['1000'], 'trashed, denied and unknown ids are absent');
        t.same(await ids('type = blogpost'), ['1006', '1019']);
        t.same(await ids('space = "TEAM"'), ['1011']);
        t.same(await ids('title = "Say \\"hi\\" \\\\ bye"'), ['1018']);
        t.same(await ids('label = "AI-INGEST-ALL"'), ['1001', '1013'], 'labels compare lower-case');
        t.same(await ids('space.type = personal'), ['1010']);
        t.same(await ids('label = "no-such-label"'), []);
      });

      t.test('the Cloud E8 fallback query finds a page by space and title', async (t) => {
        t.same(await ids('type=page AND space="ENG" AND title="Release plan"'), ['1000']);
      });

      t.test('unknown types come back as they are', async (t) => {
        const reply = await getJson(`${restRoot(sim)}/rest/api/content/search?cql=id%3D1017`, auth);
        t.equal(reply.body.results[0].type, 'smart-thing');
      });

      t.test('bad CQL is a 400 with the v1 error body', async (t) => {
        const reply = await getJson(`${restRoot(sim)}/rest/api/content/search?cql=${encodeURIComponent('text ~ "x"')}`, auth);
        t.equal(reply.status, 400);
        t.match(reply.body, { statusCode: 400, message: String, reason: 'Bad Request' });
        t.equal((await getJson(`${restRoot(sim)}/rest/api/content/search`, auth)).status, 400, 'missing cql');
      });
    });
  }
});

t.test('content object expansions (§5.3)', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('cloud'));
  t.teardown(() => sim.close());
  const auth = await bearer(sim);
  const one = async (id: string, expand: string): Promise<any> =>
    (await getJson(`${restRoot(sim)}/rest/api/content/search?cql=id%3D${id}&expand=${expand}`, auth)).body;

  const bare = await one('1000', '');
  t.same(Object.keys(bare.results[0]).sort(), ['_expandable', '_links', 'id', 'status', 'title', 'type']);
  t.equal(bare.results[0]._links.webui, '/spaces/ENG/pages/1000/Release+plan');
  t.equal(bare._links.base, `${sim.baseUrl}/wiki`);
  t.equal(bare._links.context, '/wiki');

  const full = (await one('1003', 'metadata.labels,version,space,ancestors,body.storage')).results[0];
  t.equal(full.space.id, 98305, 'space.id is a number in v1');
  t.same(full.ancestors.map((a: { id: string }) => a.id), ['1001', '1002'], 'ancestors root first');
  t.same(full.metadata.labels, { results: [], start: 0, limit: 200, size: 0 });
  t.same(full.body.storage, { value: '', representation: 'storage' });
  t.equal(full.version.when, '2025-01-01T00:00:00.000Z', 'Cloud writes UTC times');

  const labelled = (await one('1000', 'metadata.labels')).results[0];
  t.match(labelled.metadata.labels.results[0], { prefix: 'global', name: 'ai-ingest', label: 'ai-ingest', id: /^\d+$/ });
});

function bulkScenario(flavour: 'cloud' | 'data-center', count: number) {
  const content: ScenarioContent[] = Array.from({ length: count }, (_, i) => ({
    id: String(5000 + i), type: 'page', title: `Bulk ${i}`, spaceKey: 'ENG', labels: ['bulk'], body: `<p>${i}</p>`,
  }));
  return { ...sampleScenario(flavour), content };
}

t.test('DC paging: caps and offset next links (§5.1, §8)', async (t) => {
  const sim = await startConfluenceSimulator({ ...bulkScenario('data-center', 230), contextPath: '/wiki-dc' });
  t.teardown(() => sim.close());
  const cql = 'label = "bulk"';
  const withBody = await searchAll(sim, cql, 'body.storage,version', patAuth, 100);
  t.equal(withBody.pages[0]?.body.limit, 50, 'a body expansion caps the page at 50');
  t.equal(withBody.pages.length, 5);
  t.equal(withBody.ids.length, 230);
  t.equal(new Set(withBody.ids).size, 230, 'no id repeats across pages');
  const next = withBody.pages[0]?.body._links.next as string;
  t.match(next, /^\/rest\/api\/content\/search\?cql=label%20%3D%20%22bulk%22&expand=body\.storage,version&limit=50&start=50$/, 'relative to base, offsets and the original query');
  t.equal(withBody.pages[0]?.body._links.base, sim.baseUrl);
  t.equal(withBody.pages[0]?.body._links.context, '/wiki-dc');
  t.notOk('next' in withBody.pages[4]?.body._links, 'no next link on the last page');

  const expanded = await searchAll(sim, cql, 'version', patAuth, 1000);
  t.same(expanded.pages.map((p) => p.body.size), [200, 30], 'other expansions cap at 200');
  const bare = await searchAll(sim, cql, '', patAuth, 5000);
  t.same(bare.pages.map((p) => p.body.size), [230], 'no expansion caps at 1000');
  const exact = await searchAll(sim, 'label = "bulk" AND id IN (5000,5001)', '', patAuth, 2);
  t.equal(exact.pages.length, 1, 'exactly limit results: no next link');
});

t.test('Cloud paging: cursors, relative links without /wiki (§8)', async (t) => {
  const sim = await startConfluenceSimulator({ ...bulkScenario('cloud', 120), caps: { withExpansions: 40 } });
  t.teardown(() => sim.close());
  const auth = await bearer(sim);
  const cql = 'label = "bulk"';
  const all = await searchAll(sim, cql, 'version,space', auth);
  t.same(all.pages.map((p) => p.body.size), [40, 40, 40], 'configured Cloud cap');
  t.equal(new Set(all.ids).size, 120);
  const next = all.pages[0]?.body._links.next as string;
  t.match(next, /^\/rest\/api\/content\/search\?next=true&cursor=[A-Za-z0-9_-]+&limit=40&start=40&cql=/);
  t.notMatch(next, /^\/wiki/);
  t.equal(all.pages[0]?.body.totalSize, 120);

  const root = restRoot(sim);
  const forged = await getJson(`${root}/rest/api/content/search?cursor=b2Zmc2V0PTEwMA&cql=${encodeURIComponent(cql)}`, auth);
  t.equal(forged.status, 400, 'a cursor this simulator did not issue');
  const otherQuery = next.replace(/cql=[^&]+/, `cql=${encodeURIComponent('label = "ai-ingest"')}`);
  t.equal((await getJson(`${root}${otherQuery}`, auth)).status, 400, 'a cursor is bound to its query');
  const other = await startConfluenceSimulator(bulkScenario('cloud', 120));
  t.teardown(() => other.close());
  t.equal((await getJson(`${restRoot(other)}${next}`, await bearer(other))).status, 400, 'cursors are single-tenant');
});

t.test('a large result set is evaluated once and then paged from the cache', async (t) => {
  const store = new ConfluenceStore('data-center', sampleScenario('data-center').spaces, bulkScenario('data-center', 5_000).content);
  const search = new CqlSearch(store);
  const cql = 'label = "bulk" AND type != attachment';
  const first = search.search(cql);
  t.equal(first.length, 5_000);
  t.equal(first[0], '5000');
  t.equal(first.at(-1), '9999', 'sorted numerically');
  t.equal(search.search(cql), first, 'the next page reuses the evaluated list');
  store.setLabels('5000', []);
  const after = search.search(cql);
  t.not(after, first, 'a mutation invalidates the cache');
  t.equal(after.length, 4_999);
});

t.test('paging through a large space over HTTP', async (t) => {
  const sim = await startConfluenceSimulator(bulkScenario('data-center', 5_000));
  t.teardown(() => sim.close());
  const { ids, pages } = await searchAll(sim, 'label = "bulk" AND type != attachment', 'metadata.labels,version,space', patAuth, 200);
  t.equal(pages.length, 25);
  t.equal(new Set(ids).size, 5_000);
});
