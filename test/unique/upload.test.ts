import t from 'tap';
import { isConnectorError } from '../../src/errors.js';
import type { UpsertRequest } from '../../src/unique/content.js';
import { setup } from './support/unique-setup.js';
import { startRecordingServer } from './support/recording-server.js';

const HTML = '<p>hello upload</p>';
const REQUEST: UpsertRequest = {
  input: { key: 'acme/98305_ENG/1', title: 'Hello', mimeType: 'text/html', ownerType: 'SCOPE', url: 'https://acme.atlassian.net/wiki/x', byteSize: Buffer.byteLength(HTML), metadata: {} },
  scopeId: 'scope_confluence',
  sourceKind: 'ATLASSIAN_CONFLUENCE_CLOUD',
  sourceName: 'https://acme.atlassian.net',
  storeInternally: true,
  baseUrl: 'https://acme.atlassian.net',
};

t.test('cluster_local sends the bytes to the ingestion service with the writeUrl key, wherever the writeUrl points', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  const gateway = await startRecordingServer(t, () => ({ status: 500 }));
  const registered = await clients.content.register(REQUEST);
  const key = new URL(registered.writeUrl).searchParams.get('key')!;
  const outside = `${gateway.origin}/gateway/ingestion/scoped/upload?key=${encodeURIComponent(key)}`;
  t.equal(clients.upload.uploadUrl(outside), `${sim.ingestionBaseUrl}/scoped/upload?key=${encodeURIComponent(key)}`);
  await clients.upload.upload({ writeUrl: outside, contentType: 'text/html', body: HTML });
  t.equal(gateway.requests.length, 0, 'nothing left the cluster');
  t.equal(sim.state.content('acme/98305_ENG/1')?.uploaded?.text, HTML);
});

t.test('cluster_local refuses a writeUrl without key and sends nothing', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  const error = await clients.upload.upload({ writeUrl: `${sim.ingestionBaseUrl}/scoped/upload?other=1`, contentType: 'text/html', body: HTML }).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_RESPONSE_INVALID'));
  t.equal(sim.requests.length, 0);
});

t.test('external mode PUTs to the writeUrl verbatim as a block blob without auth', async (t) => {
  const { clients } = await setup(t, 'external');
  const blob = await startRecordingServer(t, () => ({ status: 201 }));
  const writeUrl = `${blob.origin}/container/blob-7?sv=2024&sig=abc%2Bdef&key=k1`;
  await clients.upload.upload({ writeUrl, contentType: 'text/html', body: Buffer.from(HTML) });
  const put = blob.requests[0]!;
  t.equal(put.method, 'PUT');
  t.equal(put.url, '/container/blob-7?sv=2024&sig=abc%2Bdef&key=k1', 'path and query untouched');
  t.equal(put.headers['x-ms-blob-type'], 'BlockBlob');
  t.equal(put.headers['content-type'], 'text/html');
  t.equal(put.headers['content-length'], String(Buffer.byteLength(HTML)));
  t.equal(put.body.toString('utf8'), HTML);
  t.notOk(put.headers.authorization, 'no Authorization header');
});

t.test('a rejected upload fails once, without retry', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  const registered = await clients.content.register(REQUEST);
  sim.faults.add({ path: '/scoped/upload', status: 503 });
  const error = await clients.upload.upload({ writeUrl: registered.writeUrl, contentType: 'text/html', body: HTML }).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_HTTP_ERROR'));
  if (isConnectorError(error)) {
    t.equal(error.details.status, 503);
    t.notMatch(String(error.details.url), new URL(registered.writeUrl).searchParams.get('key')!, 'the upload key is not in the error');
  }
  t.equal(sim.requests.filter((r) => r.method === 'PUT').length, 1);
});

t.test('a declared length that differs from the buffer is refused before sending', async (t) => {
  const { sim, clients } = await setup(t, 'cluster_local');
  const error = await clients.upload.upload({ writeUrl: `${sim.ingestionBaseUrl}/scoped/upload?key=x`, contentType: 'text/html', body: HTML, contentLength: 3 }).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_HTTP_ERROR'));
  t.equal(sim.requests.length, 0);
});
