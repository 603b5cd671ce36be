import t from 'tap';
import { startUniqueSimulator, type UniqueSimulator } from './unique/index.js';
import { DOCS, SOURCE, clusterHeaders, gql, ingest, postJson } from './unique/test-client.js';

async function start(t: { teardown(fn: () => unknown): void }, extra = {}): Promise<UniqueSimulator> {
  const sim = await startUniqueSimulator({ authMode: 'cluster_local', ...extra });
  t.teardown(sim.close);
  return sim;
}

const item = (key: string, updatedAt: string) => ({ key, url: `https://acme.atlassian.net/wiki/pages/${key}`, updatedAt });
const diff = (sim: UniqueSimulator, body: unknown) => postJson(`${sim.ingestionBaseUrl}/v2/content/file-diff`, body, clusterHeaders(sim));
const seed = (sim: UniqueSimulator, key: string, updatedAt: string | null, extra = {}) =>
  sim.state.addContent({ key, ownerId: 'scope_confluence', updatedAt, ...SOURCE, ...extra });

t.test('new, updated and deleted item keys, relative to the partial key', async (t) => {
  const sim = await start(t);
  seed(sim, 'acme/1_ENG/65601', '2025-03-01T00:00:00.000Z');
  seed(sim, 'acme/1_ENG/65602', '2025-03-01T00:00:00.000Z');
  seed(sim, 'acme/1_ENG/64990', '2025-03-01T00:00:00.000Z');
  seed(sim, 'acme/1_ENGX/65601', '2025-03-01T00:00:00.000Z');
  seed(sim, 'other/1_ENG/1', '2025-03-01T00:00:00.000Z');
  const res = await diff(sim, {
    partialKey: 'acme/1_ENG', ...SOURCE,
    fileList: [
      item('65601', '2025-03-04T09:12:44.123Z'),
      item('65602', '2025-03-01T00:00:00.000Z'),
      item('65601::att70002', '2025-03-01T08:00:00.000Z'),
    ],
  });
  t.equal(res.status, 200);
  t.same(res.body, { newFiles: ['65601::att70002'], updatedFiles: ['65601'], movedFiles: [], deletedFiles: ['64990'] });
});

t.test('the prefix ends with "/": …_ENG never sees …_ENGX', async (t) => {
  const sim = await start(t);
  seed(sim, 'acme/1_ENGX/1', '2025-03-01T00:00:00Z');
  const res = await diff(sim, { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [] });
  t.same(res.body.deletedFiles, []);
  const other = await diff(sim, { partialKey: 'acme/1_ENGX', ...SOURCE, fileList: [] });
  t.same(other.body.deletedFiles, ['1']);
});

t.test('timestamps compare as instants, whatever their offset or precision', async (t) => {
  const sim = await start(t);
  seed(sim, 'acme/1_ENG/1', '2025-03-04T09:00:00.000Z');
  seed(sim, 'acme/1_ENG/2', '2025-03-04T09:00:00.000Z');
  seed(sim, 'acme/1_ENG/3', '2025-03-04T09:00:00.000Z');
  const res = await diff(sim, {
    partialKey: 'acme/1_ENG', ...SOURCE,
    fileList: [
      item('1', '2025-03-04T10:00:00.000+01:00'), // the same instant
      item('2', '2025-03-04T10:00:00.001+01:00'), // one millisecond later
      item('3', '2025-03-04T04:30:00-04:00'), // 08:30Z, earlier
    ],
  });
  t.same(res.body.updatedFiles, ['2']);
});

t.test('an upsert moves the comparison point; registered-but-never-finalized content is stored and, like an upsert, not re-offered', async (t) => {
  const sim = await start(t);
  await ingest(sim, 'acme/1_ENG/1', 'scope_confluence', 'v1');
  const finalizedAt = Date.parse(sim.state.content('acme/1_ENG/1')!.updatedAt!);
  seed(sim, 'acme/1_ENG/2', null);
  const res = await diff(sim, {
    partialKey: 'acme/1_ENG', ...SOURCE,
    fileList: [item('1', new Date(finalizedAt - 1000).toISOString()), item('2', '2020-01-01T00:00:00Z')],
  });
  // Contract §4.9/§5: the registration is the last upsert; only a later source time re-offers it.
  t.same(res.body, { newFiles: [], updatedFiles: [], movedFiles: [], deletedFiles: [] });
  const later = await diff(sim, { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [item('1', new Date(finalizedAt - 1000).toISOString()), item('2', new Date(Date.now() + 60_000).toISOString())] });
  t.same(later.body.updatedFiles, ['2']);
  t.same((await diff(sim, { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [] })).body.deletedFiles, ['1', '2']);
});

t.test('malformed requests are 400', async (t) => {
  const sim = await start(t);
  const good = { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [item('1', '2025-03-04T09:00:00Z')] };
  const cases: [string, unknown][] = [
    ['missing partialKey', { ...good, partialKey: undefined }],
    ['unknown sourceKind', { ...good, sourceKind: 'SHAREPOINT' }],
    ['missing sourceName', { ...good, sourceName: '' }],
    ['fileList not an array', { ...good, fileList: {} }],
    ['item without url', { ...good, fileList: [{ key: '1', updatedAt: '2025-03-04T09:00:00Z' }] }],
    ['item without key', { ...good, fileList: [{ url: 'u', updatedAt: '2025-03-04T09:00:00Z' }] }],
    ['updatedAt not an instant', { ...good, fileList: [item('1', 'yesterday')] }],
    ['updatedAt without offset', { ...good, fileList: [item('1', '2025-03-04T09:00:00')] }],
    ['not JSON', '{"partialKey":'],
  ];
  for (const [name, body] of cases) t.equal((await diff(sim, body)).status, 400, name);
  t.equal((await diff(sim, good)).status, 200);
});

t.test('diffMatchesSource narrows the stored set to the submitted source', async (t) => {
  const sim = await start(t, { diffMatchesSource: true });
  seed(sim, 'acme/1_ENG/1', '2025-03-01T00:00:00Z');
  seed(sim, 'acme/1_ENG/2', '2025-03-01T00:00:00Z', { sourceName: 'https://other.atlassian.net' });
  const res = await diff(sim, { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [item('2', '2020-01-01T00:00:00Z')] });
  t.same(res.body, { newFiles: ['2'], updatedFiles: [], movedFiles: [], deletedFiles: ['1'] });
});

t.test('diffMatchesOtherPrefixes reports the same space under another key format as deleted (§14.15)', async (t) => {
  const sim = await start(t, { diffMatchesOtherPrefixes: true });
  seed(sim, '1_ENG/100', '2025-03-01T00:00:00Z');
  seed(sim, '1_ENG/101', '2025-03-01T00:00:00Z');
  seed(sim, '2_OPS/100', '2025-03-01T00:00:00Z');
  const res = await diff(sim, { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [item('100', '2025-03-01T00:00:00Z')] });
  t.same(res.body, { newFiles: ['100'], updatedFiles: [], movedFiles: [], deletedFiles: ['100', '101'] });
  const plain = await startUniqueSimulator({ authMode: 'cluster_local', contents: [{ key: '1_ENG/100', ownerId: 'scope_root' }] });
  t.teardown(plain.close);
  t.same((await diff(plain, { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [] })).body.deletedFiles, [], 'off by default');
});

t.test('diffReoffersFailed re-offers a FAILED content at most once per day', async (t) => {
  const sim = await start(t, { diffReoffersFailed: true });
  seed(sim, 'acme/1_ENG/1', '2025-03-01T00:00:00Z', { ingestionState: 'FAILED_MALWARE_FOUND' });
  const body = { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [item('1', '2025-02-01T00:00:00Z')] };
  t.same((await diff(sim, body)).body.updatedFiles, ['1']);
  t.same((await diff(sim, body)).body.updatedFiles, []);
});

// How fast is the benchmark's business (npm run bench); here only that the answers are right at this size.
t.test('20,000 contents: a diff and the prefix pages of one space are right', async (t) => {
  const sim = await start(t);
  for (let space = 0; space < 10; space++) {
    for (let page = 0; page < 2000; page++) {
      sim.state.addContent({ key: `acme/${space}_S${space}/${page}`, ownerId: 'scope_confluence', updatedAt: '2025-03-01T00:00:00Z', ...SOURCE });
    }
  }
  const fileList = Array.from({ length: 2000 }, (_, page) => item(String(page), page < 10 ? '2025-04-01T00:00:00Z' : '2025-03-01T00:00:00Z'));
  const res = await diff(sim, { partialKey: 'acme/5_S5', ...SOURCE, fileList: fileList.slice(0, 1990) });
  t.same([res.body.newFiles.length, res.body.updatedFiles.length, res.body.deletedFiles.length], [0, 10, 10]);
  let listed = 0;
  for (let skip = 0; ; skip += 100) {
    const page = (await gql(sim, DOCS.paginatedContent, { skip, take: 100, where: { key: { startsWith: 'acme/5_S5/' } } })).body.data.paginatedContent;
    listed += page.nodes.length;
    if (page.nodes.length < 100) break;
  }
  t.equal(listed, 2000);
});
