import { Readable } from 'node:stream';
import t from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { HttpClient } from '../../src/http/client.js';
import { ContentApi, type UpsertRequest } from '../../src/unique/content.js';
import { GraphqlClient } from '../../src/unique/graphql.js';
import { AUTH_MODES, setup } from './support/unique-setup.js';
import { startRecordingServer } from './support/recording-server.js';
import { until } from '../helpers/manual-clock.js';

const PARTIAL = 'acme/98305_ENG';

function pageRequest(key: string, html: string, ingestionConfig?: Record<string, unknown>): UpsertRequest {
  return {
    input: {
      key,
      title: 'Release plan',
      mimeType: 'text/html',
      ownerType: 'SCOPE',
      url: 'https://acme.atlassian.net/wiki/spaces/ENG/pages/65601/Release+plan',
      byteSize: Buffer.byteLength(html),
      metadata: { confluenceLabels: [], spaceKey: 'ENG', spaceName: 'Engineering' },
      ...(ingestionConfig === undefined ? {} : { ingestionConfig }),
    },
    scopeId: 'scope_confluence',
    sourceKind: 'ATLASSIAN_CONFLUENCE_CLOUD',
    sourceName: 'https://acme.atlassian.net',
    storeInternally: true,
    baseUrl: 'https://acme.atlassian.net',
  };
}

const seeded = (count: number, partial = PARTIAL) => Array.from({ length: count }, (_, i) => ({ key: `${partial}/${1000 + i}`, ownerId: 'scope_confluence' }));

for (const authMode of AUTH_MODES) {
  t.test(`register, upload and finalize store the page (${authMode})`, async (t) => {
    const { sim, clients } = await setup(t, authMode);
    const html = '<h1>Release plan</h1><p>Grüße</p>';
    const request = pageRequest(`${PARTIAL}/65601`, html);
    const registered = await clients.content.register(request);
    t.match(registered.writeUrl, /key=/);
    await clients.upload.upload({ writeUrl: registered.writeUrl, contentType: 'text/html', body: html });
    const finalized = await clients.content.finalize(request, registered.readUrl);
    t.equal(finalized.id, registered.id, 'the upsert keeps the id');

    const stored = sim.state.content(`${PARTIAL}/65601`);
    t.equal(stored?.uploaded?.text, html);
    t.equal(stored?.uploaded?.contentType, 'text/html');
    t.equal(stored?.sourceOwnerType, 'COMPANY');
    t.equal(stored?.sourceKind, 'ATLASSIAN_CONFLUENCE_CLOUD');
    t.same(stored?.metadata, { confluenceLabels: [], spaceKey: 'ENG', spaceName: 'Engineering' });

    const upserts = sim.requests.filter((r) => r.operation === 'contentUpsert').map((r) => r.variables as Record<string, unknown>);
    t.equal(upserts.length, 2);
    t.notOk('fileUrl' in upserts[0]!, 'registration sends no fileUrl');
    t.equal(upserts[1]!.fileUrl, registered.readUrl, 'finalization sends the readUrl as fileUrl');
    for (const variables of upserts) {
      t.notOk('chatId' in variables);
      t.notOk('ingestionConfig' in (variables.input as Record<string, unknown>), 'ingestionConfig omitted when unset');
      t.same(Object.keys(variables).sort(), ['baseUrl', 'input', 'scopeId', 'sourceKind', 'sourceName', 'sourceOwnerType', 'storeInternally', ...(variables === upserts[1] ? ['fileUrl'] : [])].sort());
    }
    const upload = sim.requests.find((r) => r.method === 'PUT');
    t.equal(upload?.path, '/ingestion/scoped/upload');
    t.equal(upload?.headers['x-ms-blob-type'], 'BlockBlob');
    t.equal(upload?.headers['content-length'], String(Buffer.byteLength(html)));
    t.notOk(upload?.headers.authorization, 'no auth on the upload');
    t.notOk(upload?.headers['x-user-id'], 'no service headers on the upload');
  });
}

t.test('an attachment streams from a Readable with its declared length', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  const chunks = [Buffer.alloc(40_000, 1), Buffer.alloc(24_000, 2)];
  const request = { ...pageRequest(`${PARTIAL}/65601::att70002`, ''), input: { ...pageRequest('', '').input, key: `${PARTIAL}/65601::att70002`, mimeType: 'application/pdf', byteSize: 64_000, ingestionConfig: { jpgReadMode: 'DOC_INTELLIGENCE_DEFAULT' } } };
  const registered = await clients.content.register(request);
  await clients.upload.upload({ writeUrl: registered.writeUrl, contentType: 'application/pdf', body: Readable.from(chunks), contentLength: 64_000 });
  await clients.content.finalize(request, registered.readUrl);
  const stored = sim.state.content(`${PARTIAL}/65601::att70002`);
  t.equal(stored?.uploaded?.size, 64_000);
  t.same(stored?.ingestionConfig, { jpgReadMode: 'DOC_INTELLIGENCE_DEFAULT' });
});

t.test('keys resolve to ids 100 keys a query; absent keys are left out', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: seeded(120) } });
  const keys = [...seeded(120).map((c) => c.key), ...Array.from({ length: 30 }, (_, i) => `${PARTIAL}/missing${i}`)];
  const ids = await clients.content.idsByKeys(keys);
  t.equal(ids.size, 120);
  t.equal(ids.get(`${PARTIAL}/1000`), sim.state.content(`${PARTIAL}/1000`)?.id);
  const queries = sim.requests.filter((r) => r.operation === 'paginatedContent').map((r) => r.variables as { where: { key: { in: string[] } }; skip: number; take: number });
  // The first chunk's page is full, so it is paged once more before the next chunk.
  t.same(queries.map((q) => [q.where.key.in.length, q.skip]), [[100, 0], [100, 100], [50, 0]]);
  t.ok(queries.every((q) => q.take === 100));
});

t.test('listing by prefix pages with skip += 100 and never matches a longer space key', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: [...seeded(205), ...seeded(3, 'acme/98305_ENGX')] } });
  const nodes = await clients.content.listByPrefix(PARTIAL);
  t.equal(nodes.length, 205);
  const skips = sim.requests.filter((r) => r.operation === 'paginatedContent').map((r) => (r.variables as { skip: number }).skip);
  t.same(skips, [0, 100, 200]);
  t.same((sim.requests[0]!.variables as { where: unknown }).where, { key: { startsWith: `${PARTIAL}/` } });
});

t.test('after the first page the counted pages are asked for four at once: the same requests as one after the other', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: seeded(1050) } });
  const arrived = new Set<number>();
  let fourInFlight = false;
  // The second page is answered only once the fifth has arrived: four were asked for together.
  sim.faults.add({
    operation: 'paginatedContent',
    when: (req) => {
      arrived.add((req.variables as { skip: number }).skip);
      return (req.variables as { skip: number }).skip === 100;
    },
    hold: async () => {
      await until(() => arrived.has(400), 'the fifth page asked for');
      fourInFlight = !arrived.has(500);
    },
  });
  const nodes = await clients.content.listByPrefix(PARTIAL);
  t.equal(nodes.length, 1050);
  t.equal(new Set(nodes.map((node) => node.key)).size, 1050, 'every content once');
  t.ok(fourInFlight, 'pages 2 to 5 in flight together, page 6 not before they were answered');
  const skips = sim.requests.filter((r) => r.operation === 'paginatedContent').map((r) => (r.variables as { skip: number }).skip);
  t.same([...skips].sort((a, b) => a - b), [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000], 'one request per 100 stored items, as sequential paging makes');
});

t.test('a listing that grows past its first count is followed on while pages are full', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: seeded(250) } });
  // Counted 250 (three pages); 200 more arrive while the second page is asked for.
  sim.faults.add({
    operation: 'paginatedContent',
    when: (req) => (req.variables as { skip: number }).skip === 100,
    hold: async () => {
      for (let i = 0; i < 200; i += 1) sim.state.addContent({ key: `${PARTIAL}/${5000 + i}`, ownerId: 'scope_confluence' });
    },
  });
  const nodes = await clients.content.listByPrefix(PARTIAL);
  t.equal(nodes.length, 450, 'the contents added meanwhile are listed too');
  const skips = sim.requests.filter((r) => r.operation === 'paginatedContent').map((r) => (r.variables as { skip: number }).skip);
  t.same([...skips].sort((a, b) => a - b), [0, 100, 200, 300, 400]);
});

t.test('the count query sends skip 0, take 0 and selects only totalCount', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: [...seeded(7), ...seeded(2, 'acme/98305_ENGX')] } });
  t.equal(await clients.content.countByPrefix(PARTIAL), 7);
  t.same(sim.requests[0]!.variables, { skip: 0, take: 0, where: { key: { startsWith: `${PARTIAL}/` } } });

  const server = await startRecordingServer(t, () => ({ status: 200, body: { data: { paginatedContent: { totalCount: 3 } } } }));
  const http = new HttpClient({ target: 'test' });
  t.teardown(() => http.close());
  const api = new ContentApi(new GraphqlClient({ http, baseUrl: server.origin, auth: { headers: async () => ({}) } }));
  t.equal(await api.countByPrefix(PARTIAL), 3);
  const body = JSON.parse(server.requests[0]!.body.toString('utf8')) as { query: string; operationName: string };
  t.equal(body.operationName, 'PaginatedContentCount');
  t.match(body.query, /paginatedContent\(skip: \$skip, take: \$take, where: \$where\) \{ totalCount \}/);
  t.notMatch(body.query, /nodes/);
});

t.test('deleting by ids goes 20 a call and reports what was not deleted', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: seeded(45) } });
  const ids = sim.state.contents().map((c) => c.id);
  const result = await clients.content.deleteByIds([...ids, 'cont_unknown_1', 'cont_unknown_2']);
  t.equal(result.deleted.length, 45);
  t.same(result.failed, ['cont_unknown_1', 'cont_unknown_2']);
  const calls = sim.requests.filter((r) => r.operation === 'contentDeleteByContentIds').map((r) => (r.variables as { contentIds: string[] }).contentIds.length);
  t.same(calls, [20, 20, 7]);
  t.equal(sim.state.contents().length, 0);
});

t.test('a failing delete batch counts as failed and the next batch still runs', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: seeded(30) } });
  sim.faults.add({ operation: 'contentDeleteByContentIds', status: 500, graphqlError: 'boom', times: 1 });
  const result = await clients.content.deleteByIds(sim.state.contents().map((c) => c.id));
  t.equal(result.failed.length, 20);
  t.equal(result.deleted.length, 10);
  t.equal(result.errors[0]?.code, 'UNIQUE_GRAPHQL_ERROR');
});

t.test('delete by prefix loops at skip 0 until the prefix is empty', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: [...seeded(230), ...seeded(4, 'acme/98305_ENGX')] } });
  const result = await clients.content.deleteByPrefix(PARTIAL);
  t.equal(result.deleted, 230);
  t.same(sim.state.contents().map((c) => c.key.split('/')[1]), ['98305_ENGX', '98305_ENGX', '98305_ENGX', '98305_ENGX']);
  const pages = sim.requests.filter((r) => r.operation === 'paginatedContent').map((r) => r.variables as { skip: number; take: number });
  t.equal(pages.length, 4, '100 + 100 + 30, then an empty page');
  t.ok(pages.every((p) => p.skip === 0 && p.take === 100));
  t.equal(sim.requests.filter((r) => r.operation === 'contentDeleteByContentIds').length, 12);
});

t.test('delete by prefix stops with an error when a round deletes nothing', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', { scenario: { contents: seeded(5) } });
  sim.faults.add({ operation: 'contentDeleteByContentIds', status: 403, graphqlError: 'forbidden' });
  const error = await clients.content.deleteByPrefix(PARTIAL).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_GRAPHQL_ERROR'));
  t.equal(sim.requests.filter((r) => r.operation === 'paginatedContent').length, 1, 'no second round');
  t.equal(sim.state.contents().length, 5);
});

t.test('content ids of a scope are listed by owner', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local', {
    scenario: { contents: [...seeded(3), { key: 'other/1', ownerId: 'scope_root' }] },
  });
  const ids = await clients.content.idsByOwner('scope_confluence');
  t.equal(ids.length, 3);
  t.same((sim.requests[0]!.variables as { where: unknown }).where, { ownerId: { equals: 'scope_confluence' }, ownerType: { equals: 'SCOPE' } });
});
