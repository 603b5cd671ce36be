import t from 'tap';
import { cloudRateLimitHeaders, startConfluenceSimulator, type ConfluenceSimulator } from './confluence/index.js';
import { discoveryCql, sampleScenario } from './confluence/sample-scenario.js';
import { bearer, getJson, patAuth, restRoot, searchAll } from './confluence-helpers.js';

const E1_EXPAND = 'metadata.labels,version,space,children.attachment,children.attachment.version,children.attachment.extensions';

async function statuses(sim: ConfluenceSimulator, count: number, path = '/rest/api/content/1000'): Promise<number[]> {
  const result: number[] = [];
  for (let i = 0; i < count; i++) result.push((await getJson(`${sim.baseUrl}${path}`, patAuth)).status);
  return result;
}

t.test('fault rules (§10)', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('data-center'));
  t.teardown(() => sim.close());
  t.afterEach(() => sim.faults.clear());

  t.test('a 429 with Retry-After and Cloud headers, twice, then normal answers', async (t) => {
    sim.faults.add({ path: /\/rest\/api\/content\/\d+$/, status: 429, retryAfter: 3, headers: cloudRateLimitHeaders(3, 100), times: 2 });
    const first = await getJson(`${sim.baseUrl}/rest/api/content/1000`, patAuth);
    t.equal(first.status, 429);
    t.equal(first.headers.get('retry-after'), '3');
    t.equal(first.headers.get('x-ratelimit-remaining'), '0');
    t.match(first.headers.get('x-ratelimit-reset'), /^\d{4}-\d\d-\d\dT/);
    t.same(await statuses(sim, 2), [429, 200]);
  });

  t.test('a rule with a body and no Retry-After', async (t) => {
    sim.faults.add({ status: 503, body: 'maintenance', headers: { 'content-type': 'text/plain' }, times: 1 });
    const reply = await getJson(`${sim.baseUrl}/rest/api/content/1000`, patAuth);
    t.equal(reply.status, 503);
    t.equal(reply.body, 'maintenance');
    t.equal(reply.headers.get('retry-after'), null);
  });

  t.test('every n-th matching request', async (t) => {
    sim.faults.add({ path: '/rest/api/content/1000', status: 500, every: 3 });
    t.same(await statuses(sim, 6), [200, 200, 500, 200, 200, 500]);
    t.same(await statuses(sim, 1, '/rest/api/content/1001'), [200], 'other paths do not match nor count');
  });

  t.test('after n matching requests, at most `times` times', async (t) => {
    sim.faults.add({ status: 502, after: 2, times: 2 });
    t.same(await statuses(sim, 5), [200, 200, 502, 502, 200]);
  });

  t.test('method filter', async (t) => {
    sim.faults.add({ method: 'POST', status: 504 });
    t.same(await statuses(sim, 1), [200]);
  });

  t.test('reset before answering', async (t) => {
    sim.faults.add({ path: '/rest/api/content/1000', reset: true, times: 1 });
    await t.rejects(fetch(`${sim.baseUrl}/rest/api/content/1000`, { headers: { authorization: patAuth } }));
    t.same(await statuses(sim, 1), [200], 'the next request is served');
    t.equal(sim.requests.at(-2)?.status, 0, 'the reset request is logged without a status');
  });

  t.test('reset mid-body for JSON and downloads', async (t) => {
    sim.faults.add({ path: '/rest/api/content/1000', resetMidBody: true, times: 1 });
    const reply = await fetch(`${sim.baseUrl}/rest/api/content/1000`, { headers: { authorization: patAuth } });
    t.equal(reply.status, 200, 'headers arrive');
    await t.rejects(reply.text(), 'the body breaks off');
    sim.faults.add({ path: /^\/download\//, resetMidBody: true, times: 1 });
    const download = await fetch(`${sim.baseUrl}/download/attachments/1000/diagram.png`, { headers: { authorization: patAuth } });
    t.equal(download.headers.get('content-length'), '48213');
    await t.rejects(download.arrayBuffer());
  });

  t.test('latency delays, then answers normally', async (t) => {
    sim.faults.add({ latencyMs: 150, times: 1 });
    const started = performance.now();
    t.same(await statuses(sim, 1), [200]);
    t.ok(performance.now() - started >= 140);
  });

  t.test('probability rules are repeatable with the same seed', async (t) => {
    const runs: number[][] = [];
    for (let i = 0; i < 2; i++) {
      const seeded = await startConfluenceSimulator(sampleScenario('data-center'), { seed: 42 });
      seeded.faults.add({ status: 500, probability: 0.5 });
      runs.push(await statuses(seeded, 12));
      await seeded.close();
    }
    t.same(runs[0], runs[1]);
    t.ok(runs[0]?.includes(500) && runs[0].includes(200), 'both outcomes occur');
  });
});

t.test('strict rate limit mode answers 429 beyond N requests a minute', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('cloud'), { strictRateLimitPerMinute: 3 });
  t.teardown(() => sim.close());
  const auth = await bearer(sim);
  await bearer(sim);
  const url = `${restRoot(sim)}/rest/api/content/search?cql=id%3D1000`;
  const replies = [];
  for (let i = 0; i < 4; i++) replies.push(await getJson(url, auth));
  t.same(replies.map((r) => r.status), [200, 200, 200, 429], 'token requests do not count');
  t.match(replies[3]?.headers.get('retry-after'), /^\d+$/);
  t.equal(replies[3]?.headers.get('x-ratelimit-limit'), '3');
});

t.test('mutation API (§15)', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('cloud'));
  t.teardown(() => sim.close());
  const auth = await bearer(sim);
  const discover = async (): Promise<string[]> => (await searchAll(sim, discoveryCql('cloud'), E1_EXPAND, auth)).ids;
  const one = async (id: string, expand = E1_EXPAND): Promise<any> =>
    (await getJson(`${restRoot(sim)}/rest/api/content/search?cql=id%3D${id}&expand=${expand}`, auth)).body.results[0];

  t.test('updateContent bumps version number and when', async (t) => {
    sim.state.updateContent('1000', { body: '<p>New</p>' });
    const page = await one('1000', 'version,body.storage');
    t.equal(page.version.number, 8);
    t.ok(Date.parse(page.version.when) > Date.parse('2025-03-04T09:12:44.123Z'));
    t.equal(page.body.storage.value, '<p>New</p>');
    sim.state.updateContent('1000', { title: 'Release plan v2', version: { number: 20, when: '2026-01-01T00:00:00.000Z' } });
    t.match(await one('1000', 'version'), { title: 'Release plan v2', version: { number: 20, when: '2026-01-01T00:00:00.000Z' } });
  });

  t.test('labels, status and new content change the discovered set', async (t) => {
    sim.state.setLabels('1015', ['AI-Ingest']);
    sim.state.updateContent('1006', { status: 'trashed' });
    sim.state.addContent({ id: '3000', type: 'page', title: 'Brand new', spaceKey: 'ENG', labels: ['ai-ingest'] });
    t.same((await discover()).sort(), ['1000', '1001', '1011', '1013', '1015', '1016', '1017', '3000']);
    t.same((await one('1015', 'metadata.labels')).metadata.labels.results.map((l: { name: string }) => l.name), ['ai-ingest']);
  });

  t.test('moving a subtree to another space and removing a page', async (t) => {
    sim.state.moveContent('1002', { spaceKey: 'OPS', parentId: null });
    t.match(await one('1003', 'space,ancestors'), { space: { key: 'OPS', id: 98306 }, ancestors: [{ id: '1002' }] }, 'descendants move along');
    t.same((await searchAll(sim, 'ancestor = 1001', '', auth)).ids, ['1004', '1005']);
    sim.state.removeContent('1004');
    t.same((await searchAll(sim, 'ancestor = 1001', '', auth)).ids, ['1005'], 'children of a removed page move up');
    t.equal(await one('1004'), undefined);
  });

  t.test('attachments are added, updated and removed', async (t) => {
    sim.state.addAttachment('1000', { id: 'att80000', title: 'new.pdf', mediaType: 'application/pdf', size: 10 });
    sim.state.updateAttachment('1000', 'att70001', { size: 99 });
    sim.state.removeAttachment('1000', 'att70002');
    const attachments = (await one('1000')).children.attachment.results;
    t.same(attachments.map((a: { id: string }) => a.id), ['att70001', 'att80000']);
    t.match(attachments[0], { version: { number: 3 }, extensions: { fileSize: 99 } });
    t.match(attachments[0]._links.download, /version=3&/);
  });

  t.test('renaming a space key keeps its id; denying a space hides it', async (t) => {
    sim.state.renameSpaceKey('ENG', 'ENGINEERING');
    t.match(await one('1000', 'space'), { space: { id: 98305, key: 'ENGINEERING' }, _links: { webui: /^\/spaces\/ENGINEERING\/pages\/1000\// } });
    sim.state.setSpaceDenied('ENGINEERING', true);
    t.notOk((await discover()).includes('1000'));
    sim.state.setSpaceDenied('ENGINEERING', false);
    t.ok((await discover()).includes('1000'));
  });

  t.test('mutations of unknown ids fail loudly', async (t) => {
    t.throws(() => sim.state.updateContent('9999', { title: 'x' }), /unknown content id 9999/);
    t.throws(() => sim.state.addContent({ id: '1000', type: 'page', title: 'dup', spaceKey: 'OPS' }), /duplicate/);
    t.throws(() => sim.state.moveContent('1000', { spaceKey: 'NOPE' }), /unknown space key/);
  });
});
