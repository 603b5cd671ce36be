import t from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { HttpClient } from '../../src/http/client.js';
import { FileDiffClient, type FileDiffRequest } from '../../src/unique/file-diff.js';
import { AUTH_MODES, setup } from './support/unique-setup.js';
import { startRecordingServer } from './support/recording-server.js';

const REQUEST: FileDiffRequest = {
  partialKey: 'acme/98305_ENG',
  sourceKind: 'ATLASSIAN_CONFLUENCE_CLOUD',
  sourceName: 'https://acme.atlassian.net',
  fileList: [
    { key: '65601', url: 'https://acme.atlassian.net/wiki/spaces/ENG/pages/65601/Release+plan', updatedAt: '2025-03-04T09:12:44.123Z' },
    { key: '65601::att70002', url: 'https://acme.atlassian.net/wiki/pages/viewpageattachments.action?pageId=65601&preview=%2F65601%2F70002%2Fbudget.xlsx', updatedAt: '2025-03-01T08:00:00.000Z' },
  ],
};

for (const authMode of AUTH_MODES) {
  t.test(`the diff posts exactly the contract body with auth headers (${authMode})`, async (t) => {
    const { sim, clients } = await setup(t, authMode, {
      scenario: {
        contents: [
          { key: 'acme/98305_ENG/65601', ownerId: 'scope_confluence', updatedAt: '2025-03-01T00:00:00.000Z' },
          { key: 'acme/98305_ENG/64990', ownerId: 'scope_confluence' },
        ],
      },
    });
    const result = await clients.fileDiff.diff(REQUEST);
    t.same(result, { newFiles: ['65601::att70002'], updatedFiles: ['65601'], movedFiles: [], deletedFiles: ['64990'] });
    const call = sim.requests.find((r) => r.path === '/ingestion/v2/content/file-diff');
    t.same(call?.variables, REQUEST, 'body is exactly partialKey, sourceKind, sourceName, fileList');
    t.match(call?.headers['content-type'], /^application\/json/);
    if (authMode === 'external') t.equal(call?.headers.authorization, 'Bearer');
    else t.equal(call?.headers['x-user-id'], 'user_service');
  });
}

t.test('the diff URL keeps the base path and collapses duplicate slashes', async (t) => {
  const http = new HttpClient({ target: 'test' });
  t.teardown(() => http.close());
  const auth = { headers: async () => ({}) };
  t.equal(new FileDiffClient({ http, auth, ingestionBaseUrl: 'https://gateway.acme.unique.app/ingestion/' }).url, 'https://gateway.acme.unique.app/ingestion/v2/content/file-diff');
  t.equal(new FileDiffClient({ http, auth, ingestionBaseUrl: 'http://node-ingestion.ns:8091' }).url, 'http://node-ingestion.ns:8091/v2/content/file-diff');
});

t.test('a 429 with Retry-After is waited out, then the diff succeeds', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  sim.faults.add({ path: '/v2/content/file-diff', status: 429, retryAfter: '0.3', times: 2 });
  const started = Date.now();
  const result = await clients.fileDiff.diff(REQUEST);
  const elapsed = Date.now() - started;
  t.same(result.newFiles, ['65601', '65601::att70002']);
  t.equal(sim.requests.filter((r) => r.path.endsWith('/file-diff')).length, 3);
  t.ok(elapsed >= 550, `waited for Retry-After twice (${elapsed} ms), not the 5 ms backoff`);
});

t.test('a persistent 503 is retried three times and then fails with UNIQUE_HTTP_ERROR', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  sim.faults.add({ path: '/v2/content/file-diff', status: 503 });
  const error = await clients.fileDiff.diff(REQUEST).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_HTTP_ERROR'));
  if (isConnectorError(error)) t.equal(error.details.status, 503);
  t.equal(sim.requests.length, 4, 'one attempt and three retries');
});

t.test('a 400 is not retried', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  sim.faults.add({ path: '/v2/content/file-diff', status: 400 });
  const error = await clients.fileDiff.diff(REQUEST).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_HTTP_ERROR'));
  t.equal(sim.requests.length, 1);
});

t.test('a response without the four string arrays is rejected', async (t) => {
  const server = await startRecordingServer(t, () => ({ status: 200, body: { newFiles: [1], updatedFiles: [], movedFiles: [] } }));
  const http = new HttpClient({ target: 'test' });
  t.teardown(() => http.close());
  const client = new FileDiffClient({ http, auth: { headers: async () => ({}) }, ingestionBaseUrl: `${server.origin}/ingestion` });
  const error = await client.diff(REQUEST).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_RESPONSE_INVALID'));
  t.equal(server.requests[0]?.url, '/ingestion/v2/content/file-diff');
});
