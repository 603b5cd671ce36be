import t from 'tap';
import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { HttpClient, defaultEndpoint } from '../../src/http/client.js';
import type { RequestEvent } from '../../src/http/types.js';
import { failure, sendJson, startServer } from '../helpers/http-servers.js';

t.test('a 20 MB download streams straight into an upload on another server', async (t) => {
  const payload = randomBytes(20 * 1024 * 1024);
  const source = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    // Chunked, so the body arrives over time like a real download.
    Readable.from(chunks(payload, 256 * 1024)).pipe(res);
  });
  const sink = await startServer((_req, res, received) => sendJson(res, 201, { bytes: received.body.length }));
  t.teardown(() => Promise.all([source.close(), sink.close()]));
  const http = new HttpClient({ target: 'test' });
  t.teardown(() => http.close());

  const download = await http.request({ method: 'GET', url: `${source.url}/download` });
  t.type(download.body, Readable, 'the body is a stream');
  t.ok(typeof download.body.pipe === 'function');
  const upload = await http.request({
    method: 'PUT',
    url: `${sink.url}/upload`,
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(payload.length) },
    body: download.body,
  });
  t.same(await upload.json(), { bytes: payload.length });
  t.equal(sha256(sink.received[0]!.body), sha256(payload), 'bytes arrive unchanged');
});

t.test('json() parses, and a malformed body is a clear HTTP_ERROR', async (t) => {
  const server = await startServer((req, res) => {
    if (req.url === '/good') return sendJson(res, 200, { results: [1, 2] });
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<html>\n  <body>Maintenance</body>\n</html>');
  });
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test' });
  t.same(await http.getJson(`${server.url}/good`), { results: [1, 2] });
  const error = await failure(http.getJson(`${server.url}/bad?token=t0ken-value`));
  t.equal(error.code, 'HTTP_ERROR');
  t.match(error.message, /^GET http:\/\/127\.0\.0\.1:\d+\/bad\?token=\[redacted\] answered HTTP 200 but the response is not JSON$/);
  t.match(error.details, { status: 200, bodyExcerpt: '<html> <body>Maintenance</body> </html>' });
});

t.test('postJson sends JSON and reads JSON', async (t) => {
  const server = await startServer((req, res, received) => sendJson(res, 200, { echo: JSON.parse(received.body.toString()), type: req.headers['content-type'] }));
  t.teardown(() => server.close());
  const result = await new HttpClient({ target: 'test' }).postJson(`${server.url}/graphql`, { query: '{ __typename }' });
  t.same(result, { echo: { query: '{ __typename }' }, type: 'application/json' });
});

t.test('a status in allowStatus is returned with its body', async (t) => {
  const server = await startServer((_req, res) => sendJson(res, 404, { message: 'gone' }));
  t.teardown(() => server.close());
  const response = await new HttpClient({ target: 'test' }).request({ method: 'GET', url: server.url, allowStatus: [404] });
  t.equal(response.status, 404);
  t.same(await response.json(), { message: 'gone' });
});

t.test('response headers have lower-case names', async (t) => {
  const server = await startServer((_req, res) => {
    res.setHeader('X-RateLimit-Remaining', '7');
    res.setHeader('Link', ['<a>; rel="next"', '<b>; rel="prev"']);
    res.end('ok');
  });
  t.teardown(() => server.close());
  const response = await new HttpClient({ target: 'test' }).request({ method: 'GET', url: server.url });
  t.equal(response.headers['x-ratelimit-remaining'], '7');
  t.equal(response.headers.link, '<a>; rel="next", <b>; rel="prev"');
});

t.test('one hook event per attempt, with target, endpoint and redacted URL', async (t) => {
  let calls = 0;
  const server = await startServer((_req, res) => {
    calls += 1;
    if (calls === 1) return void res.writeHead(429, { 'retry-after': '0' }).end();
    res.end('ok');
  });
  t.teardown(() => server.close());
  const events: RequestEvent[] = [];
  const http = new HttpClient({ target: 'confluence', onRequest: (e) => events.push(e) });
  await http.request({ method: 'GET', url: `${server.url}/wiki/rest/api/content/65601?expand=body&token=abc`, endpoint: 'content-get' });
  await http.request({ method: 'GET', url: `${server.url}/wiki/api/v2/pages/65601/attachments` });
  t.equal(events.length, 3);
  t.match(events[0], { target: 'confluence', endpoint: 'content-get', method: 'GET', status: 429, attempt: 1, outcome: 'retry', throttled: true, retryAfterMs: 0 });
  t.equal(events[0]!.url, `${server.url}/wiki/rest/api/content/65601?expand=body&token=[redacted]`);
  t.match(events[1], { endpoint: 'content-get', status: 200, attempt: 2, outcome: 'ok', throttled: false });
  t.match(events[2], { endpoint: '/wiki/api/v:id/pages/:id/attachments', attempt: 1, outcome: 'ok' });
  for (const event of events) t.ok(event.durationMs >= 0 && event.queuedMs >= 0);
});

t.test('a throwing hook does not fail the request', async (t) => {
  const server = await startServer((_req, res) => void res.end('ok'));
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test', onRequest: () => {
    throw new Error('metrics broke');
  } });
  t.equal((await http.request({ method: 'GET', url: server.url })).status, 200);
});

t.test('the default endpoint replaces digit runs', async (t) => {
  t.equal(defaultEndpoint('https://x.atlassian.net/wiki/rest/api/content/123/child/attachment/att456/download?x=1'), '/wiki/rest/api/content/:id/child/attachment/att:id/download');
});

function* chunks(buffer: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < buffer.length; offset += size) yield buffer.subarray(offset, offset + size);
}

function sha256(buffer: Buffer): string {
  return createHash('sha256').update(buffer).digest('hex');
}
