import t from 'tap';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { request } from 'undici';
import { startUniqueSimulator, type UniqueSimulator } from './unique/index.js';
import { DOCS, gql, ingest, put, upsertVariables } from './unique/test-client.js';

async function start(t: { teardown(fn: () => unknown): void }, extra = {}, options = {}): Promise<UniqueSimulator> {
  const sim = await startUniqueSimulator({ authMode: 'cluster_local', ...extra }, options);
  t.teardown(sim.close);
  return sim;
}

const statusOf = (answer: { body: any }) => answer.body.errors?.[0]?.extensions?.response?.statusCode ?? 200;

t.test('register issues a writeUrl with a key under the ingestion base and an opaque readUrl', async (t) => {
  const sim = await start(t);
  const res = await gql(sim, DOCS.contentUpsert, upsertVariables('acme/1_ENG/100', 'scope_confluence', 5));
  const content = res.body.data.contentUpsert;
  t.match(content, {
    id: /^cont_/, key: 'acme/1_ENG/100', byteSize: 5, mimeType: 'text/html', ownerType: 'SCOPE', ownerId: 'scope_confluence',
    readUrl: String, createdAt: String, internallyStoredAt: null,
    source: { kind: 'ATLASSIAN_CONFLUENCE_CLOUD', name: 'https://acme.atlassian.net' },
  });
  const writeUrl = new URL(content.writeUrl);
  t.equal(`${writeUrl.origin}${writeUrl.pathname}`, `${sim.ingestionBaseUrl}/scoped/upload`);
  t.ok(writeUrl.searchParams.get('key'), 'the writeUrl carries a key');
  t.match(sim.state.content('acme/1_ENG/100'), { ingestionState: 'REGISTERED', updatedAt: null, uploaded: null });
});

t.test('register, upload to the cluster-local path, finalize: FINISHED with the bytes kept', async (t) => {
  const sim = await start(t);
  const vars = upsertVariables('acme/1_ENG/100', 'scope_confluence', Buffer.byteLength('<p>héllo</p>'));
  const content = (await gql(sim, DOCS.contentUpsert, vars)).body.data.contentUpsert;
  const key = new URL(content.writeUrl).searchParams.get('key')!;
  const uploaded = await put(`${sim.ingestionBaseUrl}/scoped/upload?key=${encodeURIComponent(key)}`, '<p>héllo</p>', { 'content-type': 'text/html' });
  t.equal(uploaded.status, 201);
  const before = Date.now();
  const finalized = await gql(sim, DOCS.contentUpsert, { ...vars, fileUrl: content.readUrl });
  t.equal(finalized.body.data.contentUpsert.id, content.id);
  const view = sim.state.content('acme/1_ENG/100')!;
  t.match(view, { ingestionState: 'FINISHED', sourceOwnerType: 'COMPANY', storeInternally: true, baseUrl: 'https://acme.atlassian.net' });
  t.ok(Date.parse(view.updatedAt!) >= before - 5, 'updatedAt is the finalize time');
  t.match(view.uploaded, { size: 13, contentType: 'text/html', text: '<p>héllo</p>', sha256: createHash('sha256').update('<p>héllo</p>').digest('hex') });
  t.same(sim.requests.find((r) => r.method === 'PUT')!.headers['x-user-id'], undefined, 'the upload needed no auth');
});

t.test('finalize is refused before the upload, with a wrong fileUrl and with a different byteSize', async (t) => {
  const sim = await start(t);
  const vars = upsertVariables('k/1', 'scope_root', 3);
  const content = (await gql(sim, DOCS.contentUpsert, vars)).body.data.contentUpsert;
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...vars, fileUrl: content.readUrl })), 400, 'finalize before upload');
  await put(content.writeUrl, 'abc');
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...vars, fileUrl: `${content.readUrl}x` })), 400, 'wrong fileUrl');
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...upsertVariables('k/1', 'scope_root', 4), fileUrl: content.readUrl })), 400, 'byteSize differs from the upload');
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...upsertVariables('k/2', 'scope_root', 3), fileUrl: content.readUrl })), 404, 'finalize of an unregistered key');
  t.equal(sim.state.content('k/1')!.ingestionState, 'REGISTERED');
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...vars, fileUrl: content.readUrl })), 200);
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...vars, fileUrl: content.readUrl })), 200, 'a retried finalize is idempotent');
});

t.test('uploads need a known key, BlockBlob and the registered length; a rejected upload keeps no bytes', async (t) => {
  const sim = await start(t);
  const content = (await gql(sim, DOCS.contentUpsert, upsertVariables('k/1', 'scope_root', 3))).body.data.contentUpsert;
  t.equal((await put(content.writeUrl, 'abc', { 'x-ms-blob-type': 'AppendBlob' })).status, 400, 'missing BlockBlob');
  t.equal((await put(content.writeUrl, 'abcd')).status, 400, 'wrong length');
  t.equal(sim.state.content('k/1')!.uploaded, null);
  t.equal((await put(`${sim.ingestionBaseUrl}/scoped/upload?key=unknown`, 'abc')).status, 404, 'unknown key');
  t.equal((await put(`${sim.ingestionBaseUrl}/scoped/upload`, 'abc')).status, 400, 'no key at all');
  t.equal((await put(content.writeUrl, 'abc')).status, 201);
  t.equal((await put(content.writeUrl, 'ab')).status, 400);
  t.equal(sim.state.content('k/1')!.uploaded, null, 'a later bad upload discards the earlier bytes');
});

t.test('re-registration keeps the id, replaces metadata and owner, and retires the old writeUrl', async (t) => {
  const sim = await start(t);
  const id = await ingest(sim, 'k/1', 'scope_root', 'v1');
  const finishedAt = sim.state.content('k/1')!.updatedAt;
  const second = (await gql(sim, DOCS.contentUpsert, upsertVariables('k/1', 'scope_root', 2))).body.data.contentUpsert;
  const vars = upsertVariables('k/1', 'scope_confluence', 2);
  vars.input.title = 'New title';
  const third = (await gql(sim, DOCS.contentUpsert, vars)).body.data.contentUpsert;
  t.equal(second.id, id);
  t.equal(third.id, id);
  t.not(third.writeUrl, second.writeUrl, 'a new upload key is issued');
  t.match(sim.state.content('k/1'), { title: 'New title', ownerId: 'scope_confluence', updatedAt: finishedAt, uploaded: null });
  t.equal((await put(second.writeUrl, 'v2')).status, 404, 'the previous writeUrl no longer works');
  t.equal((await put(third.writeUrl, 'v2')).status, 201);
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...vars, fileUrl: second.readUrl })), 400, 'nor does the previous readUrl');
  const owned = (owner: string) => gql(sim, DOCS.paginatedContent, { skip: 0, take: 10, where: { ownerId: { equals: owner }, ownerType: { equals: 'SCOPE' } } });
  t.equal((await owned('scope_root')).body.data.paginatedContent.totalCount, 0, 'the owner index follows');
  t.equal((await owned('scope_confluence')).body.data.paginatedContent.nodes[0].id, id);
});

t.test('contentUpsert validates scope, ownerType, key, title and mime type', async (t) => {
  const sim = await start(t, { rejectedMimeTypes: ['image/gif'] });
  const base = upsertVariables('k/1', 'scope_root', 1);
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...base, scopeId: 'scope_gone' })), 404);
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...base, input: { ...base.input, ownerType: 'USER' } })), 400);
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...base, input: { ...base.input, key: '' } })), 400);
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...base, input: { ...base.input, title: '' } })), 400);
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...base, input: { ...base.input, mimeType: 'image/gif' } })), 400);
  t.equal(statusOf(await gql(sim, DOCS.contentUpsert, { ...base, input: { ...base.input, colour: 'red' } })), 400, 'unknown input fields');
  t.equal(sim.state.contents().length, 0);
});

t.test('paginatedContent: count only, prefix without false matches, key in, owner listing and paging', async (t) => {
  const sim = await start(t);
  for (let i = 0; i < 130; i++) sim.state.addContent({ key: `acme/1_ENG/${1000 + i}`, ownerId: 'scope_confluence' });
  sim.state.addContent({ key: 'acme/2_ENGX/1', ownerId: 'scope_root' });
  const query = (doc: string, variables: Record<string, unknown>) => gql(sim, doc, variables).then((r) => r.body.data.paginatedContent);
  t.same(await query(DOCS.paginatedContentCount, { skip: 0, take: 0, where: { key: { startsWith: 'acme/1_ENG/' } } }), { totalCount: 130 }, 'count selects only totalCount');
  const keys: string[] = [];
  for (let skip = 0; ; skip += 100) {
    const page = await query(DOCS.paginatedContent, { skip, take: 100, where: { key: { startsWith: 'acme/1_ENG/' } } });
    keys.push(...page.nodes.map((n: { key: string }) => n.key));
    if (page.nodes.length < 100) break;
  }
  t.equal(keys.length, 130);
  t.notOk(keys.includes('acme/2_ENGX/1'), '…_ENG/ does not match …_ENGX/');
  const byKeys = await query(DOCS.paginatedContent, { skip: 0, take: 100, where: { key: { in: ['acme/2_ENGX/1', 'acme/1_ENG/1000', 'missing'] } } });
  t.same(byKeys.nodes.map((n: { key: string }) => n.key), ['acme/1_ENG/1000', 'acme/2_ENGX/1']);
  t.match(byKeys.nodes[0], { id: /^cont_/, fileAccess: [], ownerType: 'SCOPE', expiresAt: null, ingestionState: 'FINISHED', byteSize: 0 });
  const owned = await query(DOCS.paginatedContent, { skip: 0, take: 100, where: { ownerId: { equals: 'scope_root' }, ownerType: { equals: 'SCOPE' } } });
  t.same([owned.totalCount, owned.nodes[0].key], [1, 'acme/2_ENGX/1']);
  t.equal(statusOf(await gql(sim, DOCS.paginatedContent, { skip: 0, take: 10, where: { key: { startsWith: 'acme/', in: ['x'] } } })), 400, 'two operators on one field are refused');
  t.equal(statusOf(await gql(sim, DOCS.paginatedContent, { skip: 0, take: 10, where: { title: { equals: 'x' } } })), 400);
});

t.test('contentDeleteByContentIds returns what it deleted and logs every deletion', async (t) => {
  const sim = await start(t);
  const a = sim.state.addContent({ key: 'k/a', ownerId: 'scope_root' });
  const b = sim.state.addContent({ key: 'k/b', ownerId: 'scope_root' });
  const res = await gql(sim, DOCS.contentDeleteByContentIds, { contentIds: [a.id, 'cont_unknown', b.id, a.id] });
  t.same(res.body.data.contentDeleteByContentIds, [{ id: a.id }, { id: b.id }], 'unknown ids are omitted');
  t.same(sim.state.deletions().map((d) => [d.id, d.key, d.via]), [[a.id, 'k/a', 'contentDeleteByContentIds'], [b.id, 'k/b', 'contentDeleteByContentIds']]);
  t.same((await gql(sim, DOCS.contentDeleteByContentIds, { contentIds: [a.id] })).body.data.contentDeleteByContentIds, []);
  t.equal(sim.state.contents().length, 0);
});

t.test('ingestionDelayMs shows QUEUED before FINISHED', async (t) => {
  // A delay no test waits for: the transition is run by hand, so no sleep decides the outcome.
  const sim = await start(t, {}, { ingestionDelayMs: 3_600_000 });
  await ingest(sim, 'k/1', 'scope_root', 'x');
  t.equal(sim.state.content('k/1')!.ingestionState, 'QUEUED');
  t.equal(sim.runDelayed(), 1);
  t.equal(sim.state.content('k/1')!.ingestionState, 'FINISHED');
});

t.test('a streamed 50 MB upload keeps only its size and sha256', async (t) => {
  const sim = await start(t);
  const size = 50 * 1024 * 1024;
  const content = (await gql(sim, DOCS.contentUpsert, { ...upsertVariables('k/big', 'scope_root', size), input: { ...upsertVariables('k/big', 'scope_root', size).input, mimeType: 'application/pdf' } })).body.data.contentUpsert;
  const chunk = Buffer.alloc(1024 * 1024, 7);
  const expected = createHash('sha256');
  for (let i = 0; i < 50; i++) expected.update(chunk);
  const body = Readable.from((function* () { for (let i = 0; i < 50; i++) yield chunk; })());
  const heapBefore = process.memoryUsage().heapUsed;
  const res = await request(content.writeUrl, {
    method: 'PUT', body, headers: { 'content-length': String(size), 'x-ms-blob-type': 'BlockBlob', 'content-type': 'application/pdf' },
  });
  await res.body.dump();
  t.equal(res.statusCode, 201);
  t.same(sim.state.content('k/big')!.uploaded, { size, sha256: expected.digest('hex'), contentType: 'application/pdf' });
  t.ok(process.memoryUsage().heapUsed - heapBefore < 40 * 1024 * 1024, 'the body was not buffered');
});

t.test('keepBytesUpTo bounds what is kept', async (t) => {
  const sim = await start(t, {}, { keepBytesUpTo: 4 });
  await ingest(sim, 'k/small', 'scope_root', 'abcd');
  await ingest(sim, 'k/large', 'scope_root', 'abcde');
  t.equal(sim.state.content('k/small')!.uploaded!.text, 'abcd');
  t.equal(sim.state.content('k/large')!.uploaded!.text, undefined);
  t.equal(sim.state.content('k/large')!.uploaded!.size, 5);
});
