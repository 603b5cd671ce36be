/**
 * Answers read inside the attempt (`HttpRequest.buffer`, every JSON answer of the hot
 * path) are read without a stream stage in between; they keep every bound of a watched
 * body: the throughput floor, the retry of a connection lost mid-body, the byte cap, and
 * text split anywhere (inside a UTF-8 character) across chunks.
 */
import t from 'tap';
import { HttpClient } from '../../src/http/client.js';
import type { RequestEvent } from '../../src/http/types.js';
import { failure, startServer, startTrickleServer } from '../helpers/http-servers.js';
import { ManualClock, until } from '../helpers/manual-clock.js';

const ONE_FAST_RETRY = { retries: 1, minTimeoutMs: 1, factor: 1, maxTimeoutMs: 1 };

t.test('a buffered answer trickling below the throughput floor fails with CFC_BODY_TOO_SLOW', async (t) => {
  const server = await startTrickleServer();
  t.teardown(() => server.close());
  const clock = new ManualClock();
  const http = new HttpClient({ target: 'test', clock, timeouts: { minBytesPerSecond: 100, throughputWindowMs: 1_000 } });
  t.teardown(() => http.close());
  const pending = failure(http.request({ method: 'GET', url: `${server.url}/slow?token=abc123`, buffer: true, retry: false }));
  await until(server.started);
  await server.trickle(clock, 8, 250);
  const error = await pending;
  t.equal(error.code, 'HTTP_NETWORK_ERROR');
  t.equal(error.details.errorCode, 'CFC_BODY_TOO_SLOW');
  t.notMatch(error.message, /abc123/, 'the URL is redacted');
});

t.test('a connection lost in the middle of a buffered answer is retried, and the retry answers', async (t) => {
  let calls = 0;
  const server = await startServer((_req, res) => {
    calls += 1;
    if (calls === 1) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"par', () => res.socket?.destroy());
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  t.teardown(() => server.close());
  const events: RequestEvent[] = [];
  const http = new HttpClient({ target: 'test', retry: ONE_FAST_RETRY, onRequest: (event) => events.push(event) });
  t.teardown(() => http.close());
  t.same(await http.getJson(server.url, { buffer: true }), { ok: true });
  t.equal(calls, 2);
  t.same(events.map((event) => event.outcome), ['retry', 'ok']);
});

t.test('a buffered answer split inside a UTF-8 character across chunks reads back whole', async (t) => {
  const text = JSON.stringify({ title: 'Zürich – Übersicht ✓' });
  const bytes = Buffer.from(text, 'utf8');
  const cut = bytes.indexOf(Buffer.from('ü', 'utf8')) + 1; // between the two bytes of ü
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(bytes.subarray(0, cut), () => setTimeout(() => res.end(bytes.subarray(cut)), 5));
  });
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test' });
  t.teardown(() => http.close());
  const response = await http.request({ method: 'GET', url: server.url, buffer: true });
  t.equal(await response.text(), text);
  let streamed = '';
  for await (const chunk of response.body as AsyncIterable<Buffer>) streamed += chunk.toString('utf8');
  t.equal(streamed, text, 'the body stream of a buffered answer serves the same bytes');
  t.equal(response.headers['content-type'], 'application/json');
});
