import { createHash } from 'node:crypto';
import t from 'tap';
import { contentExpand, discoveryCql } from '../../src/confluence/cql.js';
import type { ValidContent } from '../../src/confluence/raw.js';
import { generatedSha256 } from '../simulators/confluence/index.js';
import { LABELS, SPACES, WHEN, collect, startHarness, type Harness } from './harness.js';

function attachments(count: number, prefix: number) {
  return Array.from({ length: count }, (_, i) => ({
    id: `att${prefix + i}`,
    title: `file-${i}.pdf`,
    mediaType: 'application/pdf',
    size: 100 + i,
    versionWhen: '2025-03-05T10:00:00+02:00',
  }));
}

const page = (id: string, type: string, count: number) => ({
  id, type, title: `${type} ${id}`, spaceKey: 'ENG', version: { number: 1, when: WHEN }, labels: [LABELS.single], attachments: attachments(count, Number(id) * 100),
});

async function discovered(h: Harness): Promise<Map<string, ValidContent>> {
  const items = (await collect(h.api.searchContent(discoveryCql(h.api.flavour, LABELS), contentExpand(true), { start: 0 }))).flat();
  return new Map(items.map((item) => [item.id, item]));
}

t.test('Cloud: more than 25 attachments are re-listed via v2 and replace the inline list', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: [page('10', 'page', 30), page('11', 'blogpost', 26), page('12', 'page', 3)] });
  t.teardown(() => h.close());
  const items = await discovered(h);
  h.sim.clearRequests();
  const pageList = await h.api.listMoreAttachments(items.get('10')!);
  t.equal(pageList.length, 30);
  t.same(new Set(pageList.map((a) => a.id)).size, 30, 'replaced, not appended (no duplicates)');
  t.same(pageList[0]!.extensions, { mediaType: 'application/pdf', fileSize: 100 }, 'v2 fields mapped to v1 names');
  t.equal(pageList[0]!.version?.when, '2025-03-05T10:00:00+02:00');
  const blogList = await h.api.listMoreAttachments(items.get('11')!);
  t.equal(blogList.length, 26);
  const small = await h.api.listMoreAttachments(items.get('12')!);
  t.equal(small.length, 3, 'a complete inline list needs no call');
  const paths = h.apiRequests().map((r) => r.path);
  t.same(paths, [`/ex/confluence/${h.sim.cloudId}/wiki/api/v2/pages/10/attachments`, `/ex/confluence/${h.sim.cloudId}/wiki/api/v2/blogposts/11/attachments`]);
  t.equal(h.apiRequests()[0]!.query.limit, '250');
});

t.test('Cloud: v2 cursor pages are followed', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: [page('10', 'page', 520)] });
  t.teardown(() => h.close());
  const items = await discovered(h);
  h.sim.clearRequests();
  const list = await h.api.listMoreAttachments(items.get('10')!);
  t.equal(list.length, 520);
  const requests = h.apiRequests();
  t.equal(requests.length, 3);
  t.ok(requests[1]!.query.cursor, 'continuation by cursor');
});

t.test('Cloud: a v2 next link on another origin fails the listing without sending the token there', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: [page('10', 'page', 30)] });
  t.teardown(() => h.close());
  const items = await discovered(h);
  const foreign = 'http://127.0.0.1:9/wiki/api/v2/pages/10/attachments?cursor=x';
  h.sim.faults.add({ path: /\/api\/v2\/pages\/10\/attachments$/, status: 200, body: JSON.stringify({ results: [{ id: 'att1', title: 'a.pdf' }], _links: { next: foreign } }), times: 1 });
  await t.rejects(h.api.listMoreAttachments(items.get('10')!), { code: 'HTTP_ORIGIN_REFUSED', message: /not to http:\/\/127\.0\.0\.1:9/ });
});

t.test('DC: more than 25 attachments follow the next links, append, and ask for versions', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [page('10', 'page', 60)] });
  t.teardown(() => h.close());
  const items = await discovered(h);
  h.sim.clearRequests();
  const list = await h.api.listMoreAttachments(items.get('10')!);
  t.equal(list.length, 60);
  t.same(list.map((a) => a.id), attachments(60, 1000).map((a) => a.id), 'inline 25 first, then the rest, in order');
  t.ok(list.every((a) => a.version?.when === '2025-03-05T10:00:00+02:00'), 'versions present on appended items');
  const requests = h.apiRequests();
  t.same(requests.map((r) => [r.path, r.query.start, r.query.expand]), [
    ['/rest/api/content/10/child/attachment', '25', 'version'],
    ['/rest/api/content/10/child/attachment', '50', 'version'],
  ]);
});

t.test('content deleted between search and attachment listing has no attachments', async (t) => {
  for (const flavour of ['cloud', 'data-center'] as const) {
    const h = await startHarness({ flavour, spaces: SPACES, content: [page('10', 'page', 30)] });
    const items = await discovered(h);
    h.sim.state.removeContent('10');
    t.same(await h.api.listMoreAttachments(items.get('10')!), [], `${flavour}: 404 means no attachments`);
    await h.close();
  }
});

t.test('Cloud download follows the 302 to the media host without Authorization', async (t) => {
  const size = 300_000;
  const h = await startHarness({
    flavour: 'cloud',
    spaces: SPACES,
    content: [{ id: '10', type: 'page', title: 'P', spaceKey: 'ENG', labels: [LABELS.single], attachments: [{ id: 'att501', title: 'big.pdf', mediaType: 'application/pdf', size }] }],
  });
  t.teardown(() => h.close());
  const response = await h.api.downloadAttachment({ id: 'att501', pageId: '10' });
  const hash = createHash('sha256');
  for await (const chunk of response.body) hash.update(chunk as Buffer);
  t.equal(hash.digest('hex'), generatedSha256('att501', size), 'bytes arrive intact');
  const gateway = h.sim.requests.find((r) => r.path.endsWith('/child/attachment/att501/download'));
  const media = h.sim.requests.find((r) => r.server === 'media');
  t.equal(gateway?.authScheme, 'Bearer');
  t.equal(gateway?.status, 302);
  t.equal(media?.authScheme, null, 'no Authorization on the media origin');
  t.equal(media?.status, 200);
});

t.test('DC download uses the download path with its query', async (t) => {
  const h = await startHarness({
    flavour: 'data-center',
    spaces: SPACES,
    content: [{ id: '10', type: 'page', title: 'P', spaceKey: 'ENG', labels: [LABELS.single], attachments: [{ id: 'att501', title: 'a b.pdf', mediaType: 'application/pdf', size: 5, bytes: 'hello' }] }],
  });
  t.teardown(() => h.close());
  const items = await discovered(h);
  const att = items.get('10')!.children!.attachment!.results![0]!;
  const response = await h.api.downloadAttachment({ id: 'att501', pageId: '10', downloadPath: att._links!.download });
  t.equal(await response.text(), 'hello');
  const request = h.apiRequests().at(-1)!;
  t.equal(request.path, '/download/attachments/10/a%20b.pdf');
  t.ok(request.query.version && request.query.modificationDate, 'query kept');
});

/** Bytes read from a download until it ends or fails, and how it failed. */
async function drain(body: NodeJS.ReadableStream): Promise<{ read: number; code?: string }> {
  let read = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) read += chunk.length;
    return { read };
  } catch (error) {
    return { read, code: (error as { code?: string }).code };
  }
}

for (const flavour of ['data-center', 'cloud'] as const) {
  t.test(`${flavour}: a download longer than it declared is cut while it streams, a margin past the declared size`, async (t) => {
    const att = { id: 'att601', title: 'big.pdf', mediaType: 'application/pdf', size: 200_000, servedSize: 32 * 1024 * 1024 };
    const h = await startHarness({ flavour, spaces: SPACES, content: [{ id: '10', type: 'page', title: 'P', spaceKey: 'ENG', labels: [LABELS.single], attachments: [att] }] });
    t.teardown(() => h.close());
    const downloadPath = '/download/attachments/10/big.pdf';
    const response = await h.api.downloadAttachment({ id: 'att601', pageId: '10', downloadPath, fileSize: 200_000 });
    const { read, code } = await drain(response.body);
    t.equal(code, 'HTTP_RESPONSE_TOO_LARGE');
    t.ok(read <= 200_000 + 1024 * 1024, `read ${read} bytes of 32 MiB`);
  });
}

t.test('a download is cut at maxFileSizeMb when that is below its declared size plus the margin', async (t) => {
  const att = { id: 'att602', title: 'big.pdf', mediaType: 'application/pdf', size: 3 * 1024 * 1024 };
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [{ id: '10', type: 'page', title: 'P', spaceKey: 'ENG', labels: [LABELS.single], attachments: [att] }] }, { maxFileSizeMb: 1 });
  t.teardown(() => h.close());
  const response = await h.api.downloadAttachment({ id: 'att602', pageId: '10', downloadPath: '/download/attachments/10/big.pdf', fileSize: att.size });
  const { read, code } = await drain(response.body);
  t.equal(code, 'HTTP_RESPONSE_TOO_LARGE');
  t.ok(read <= 1024 * 1024, `read ${read} bytes`);
});

t.test('a download of the declared size passes whole', async (t) => {
  const att = { id: 'att603', title: 'ok.pdf', mediaType: 'application/pdf', size: 300_000 };
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [{ id: '10', type: 'page', title: 'P', spaceKey: 'ENG', labels: [LABELS.single], attachments: [att] }] });
  t.teardown(() => h.close());
  const response = await h.api.downloadAttachment({ id: 'att603', pageId: '10', downloadPath: '/download/attachments/10/ok.pdf', fileSize: att.size });
  t.same(await drain(response.body), { read: 300_000 });
});

t.test('a missing attachment is CONFLUENCE_HTTP_ERROR 404', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: [page('10', 'page', 1)] });
  t.teardown(() => h.close());
  await t.rejects(h.api.downloadAttachment({ id: 'att999', pageId: '10' }), { code: 'CONFLUENCE_HTTP_ERROR', details: { status: 404 } });
});

t.test('E8 page by title on both flavours', async (t) => {
  const content = [
    { id: '20', type: 'page', title: 'Brand "assets"', spaceKey: 'OPS', version: { number: 2, when: WHEN }, attachments: attachments(27, 2000) },
    { id: '21', type: 'page', title: 'Other', spaceKey: 'OPS' },
  ];
  for (const flavour of ['cloud', 'data-center'] as const) {
    const h = await startHarness({ flavour, spaces: SPACES, content });
    const found = await h.api.findPageByTitle('OPS', 'Brand "assets"');
    t.equal(found?.id, '20', `${flavour}: found`);
    t.equal(found?.space.id, '98306');
    t.equal(found?.attachments.length, 27, `${flavour}: attachments complete beyond 25`);
    t.equal(await h.api.findPageByTitle('OPS', 'Missing'), undefined, `${flavour}: not found is undefined`);
    const lookup = h.apiRequests()[0]!;
    if (flavour === 'cloud') {
      t.equal(lookup.path, `/ex/confluence/${h.sim.cloudId}/wiki/rest/api/content/search`);
      t.equal(lookup.query.cql, 'type=page AND space="OPS" AND title="Brand \\"assets\\""');
    } else {
      t.equal(lookup.path, '/rest/api/content');
      t.same([lookup.query.spaceKey, lookup.query.title, lookup.query.type], ['OPS', 'Brand "assets"', 'page']);
    }
    await h.close();
  }
});

t.test('DC instance id comes from the manifest, unauthenticated, as JSON, once', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [], manifestId: 'abc-123', contextPath: '/confluence' });
  t.teardown(() => h.close());
  t.equal(await h.api.instanceId(), 'abc-123');
  t.equal(await h.api.instanceId(), 'abc-123');
  const calls = h.sim.requests.filter((r) => r.path.endsWith('/rest/applinks/1.0/manifest'));
  t.equal(calls.length, 1, 'cached');
  t.equal(calls[0]!.path, '/confluence/rest/applinks/1.0/manifest');
  t.equal(calls[0]!.authScheme, null, 'no Authorization');
  t.match(calls[0]!.accept, /application\/json/);
});

t.test('a manifest without id fails and is asked again next time', async (t) => {
  const h = await startHarness({ flavour: 'data-center', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  h.sim.faults.add({ path: '/rest/applinks/1.0/manifest', status: 200, body: '{"id":""}', times: 1 });
  await t.rejects(h.api.instanceId(), { code: 'CONFLUENCE_RESPONSE_INVALID' });
  t.equal(await h.api.instanceId(), h.sim.manifestId);
});

t.test('Cloud instance id is the configured cloudId, without a call', async (t) => {
  const h = await startHarness({ flavour: 'cloud', spaces: SPACES, content: [] });
  t.teardown(() => h.close());
  t.equal(await h.api.instanceId(), h.sim.cloudId);
  t.equal(h.sim.requests.length, 0);
});
