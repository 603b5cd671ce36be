/**
 * Per-request bounds beyond undici's idle timeouts (issue 10, findings 4 and 5): a total
 * deadline, a throughput floor on bodies and a byte cap counted while a body streams.
 * Time is a manual clock: each limit is proven by moving it, never by waiting.
 */
import { Readable } from 'node:stream';
import t from 'tap';
import { HttpClient } from '../../src/http/client.js';
import { MAX_JSON_RESPONSE_BYTES, withJsonCap } from '../../src/http/sizes.js';
import type { RequestEvent } from '../../src/http/types.js';
import { failure, pumpBlocks, startServer, startTrickleServer } from '../helpers/http-servers.js';
import { ManualClock, until } from '../helpers/manual-clock.js';

const FLOOR = { minBytesPerSecond: 100, throughputWindowMs: 1_000 };

t.test('a body trickling below the throughput floor fails within a window, though bytes keep coming', async (t) => {
  const server = await startTrickleServer();
  t.teardown(() => server.close());
  const clock = new ManualClock();
  const http = new HttpClient({ target: 'test', clock, timeouts: FLOOR });
  t.teardown(() => http.close());
  const response = await http.request({ method: 'GET', url: `${server.url}/slow?token=abc123` });
  const reading = failure(response.text());
  // One byte every 250 ms: each byte would reset an idle timeout, so only the floor can stop it.
  await server.trickle(clock, 8, 250);
  const error = await reading;
  t.equal(error.code, 'HTTP_NETWORK_ERROR');
  t.equal(error.details.errorCode, 'CFC_BODY_TOO_SLOW');
  t.notMatch(error.message, /abc123/, 'the URL is redacted');
});

t.test('a reader slower than the floor does not count against the server', async (t) => {
  const payload = Buffer.alloc(256 * 1024, 'a');
  const server = await startServer((_req, res) => void res.end(payload));
  t.teardown(() => server.close());
  const clock = new ManualClock();
  const http = new HttpClient({ target: 'test', clock, timeouts: FLOOR });
  t.teardown(() => http.close());
  const response = await http.request({ method: 'GET', url: server.url });
  await until(() => response.body.readableLength >= response.body.readableHighWaterMark);
  // Ten windows pass while nobody reads: the bytes wait on the reader, not on the server.
  await clock.advance(10_000, 250);
  t.equal((await response.text()).length, payload.length);
});

t.test('an answer that never comes fails at the total deadline, whatever the idle timeouts say', async (t) => {
  const server = await startServer(() => undefined);
  t.teardown(() => server.close());
  const clock = new ManualClock();
  const events: RequestEvent[] = [];
  const http = new HttpClient({ target: 'test', clock, timeouts: { totalMs: 5_000 }, onRequest: (e) => events.push(e) });
  t.teardown(() => http.close());
  let settled = false;
  const pending = failure(http.request({ method: 'GET', url: server.url, retry: false })).finally(() => {
    settled = true;
  });
  await until(() => server.received.length === 1);
  await clock.advance(4_900);
  t.notOk(settled, 'still waiting just before the deadline');
  await clock.advance(200);
  const error = await pending;
  t.equal(error.details.errorCode, 'CFC_DEADLINE_EXCEEDED');
  t.same(events.map((e) => [e.outcome, e.errorCode]), [['error', 'CFC_DEADLINE_EXCEEDED']]);
});

t.test('a deadline that fires is retried like any timeout', async (t) => {
  let calls = 0;
  const server = await startServer((_req, res) => {
    calls += 1;
    if (calls > 1) res.end('{"ok":true}');
  });
  t.teardown(() => server.close());
  const clock = new ManualClock();
  const http = new HttpClient({ target: 'test', clock, timeouts: { totalMs: 1_000 }, retry: { retries: 1, minTimeoutMs: 1, factor: 1, maxTimeoutMs: 1 } });
  t.teardown(() => http.close());
  const pending = http.getJson<{ ok: boolean }>(server.url, { buffer: true });
  await until(() => server.received.length === 1);
  await clock.advance(1_000);
  // The retry's backoff runs on the same clock.
  await until(() => clock.pending === 1);
  await clock.advance(1);
  t.same(await pending, { ok: true });
  t.equal(calls, 2);
});

t.test('a streamed upload that is never answered fails after its deadline: totalMs plus its size at the floor', async (t) => {
  const server = await startServer(() => undefined); // reads the body, never answers
  t.teardown(() => server.close());
  const clock = new ManualClock();
  const http = new HttpClient({ target: 'test', clock, timeouts: { totalMs: 1_000, minBytesPerSecond: 1_000 } });
  t.teardown(() => http.close());
  let settled = false;
  const pending = failure(
    http.request({ method: 'PUT', url: `${server.url}/blob?key=secret-key`, headers: { 'content-length': '2000' }, body: Readable.from([Buffer.alloc(2000, 'b')]) }),
  ).finally(() => {
    settled = true;
  });
  await until(() => server.received.length === 1);
  await clock.advance(2_900);
  t.notOk(settled, '1 s plus 2000 bytes at 1000 bytes/s is 3 s');
  await clock.advance(200);
  const error = await pending;
  t.equal(error.details.errorCode, 'CFC_DEADLINE_EXCEEDED');
  t.notMatch(error.message, /secret-key/);
});

t.test('a response over maxResponseBytes fails while it streams, long before its end', async (t) => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    // 64 MiB announced and produced on demand: only what the client reads is ever made.
    pumpBlocks(res, Buffer.alloc(64 * 1024, 'z'), 64 * 1024 * 1024);
  });
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test' });
  t.teardown(() => http.close());
  const response = await http.request({ method: 'GET', url: server.url, maxResponseBytes: 100_000 });
  let read = 0;
  const error = await failure(
    (async () => {
      for await (const chunk of response.body as AsyncIterable<Buffer>) read += chunk.length;
    })(),
  );
  t.equal(error.code, 'HTTP_RESPONSE_TOO_LARGE');
  t.ok(read <= 100_000, `only bytes within the cap reached the reader (${read})`);
});

t.test('a buffered answer over maxResponseBytes fails the request and is not retried', async (t) => {
  const server = await startServer((_req, res) => void res.end(JSON.stringify({ big: 'x'.repeat(50_000) })));
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test', retry: { retries: 2, minTimeoutMs: 1, factor: 1, maxTimeoutMs: 1 } });
  t.teardown(() => http.close());
  const error = await failure(http.request({ method: 'GET', url: server.url, buffer: true, maxResponseBytes: 10_000 }));
  t.equal(error.code, 'HTTP_RESPONSE_TOO_LARGE');
  t.equal(server.received.length, 1);
});

t.test('a buffered JSON answer without a cap of its own is cut at 64 MiB (an endless listing page cannot fill the heap)', async (t) => {
  t.equal(MAX_JSON_RESPONSE_BYTES, 64 * 1024 * 1024);
  t.same(withJsonCap({ buffer: true }), { buffer: true, maxResponseBytes: MAX_JSON_RESPONSE_BYTES });
  t.same(withJsonCap({ buffer: true, maxResponseBytes: 5 }), { buffer: true, maxResponseBytes: 5 }, 'a caller\'s own cap wins');
  t.same(withJsonCap({}), {}, 'a streamed download keeps its own rules');
  let sent = 0;
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    // A JSON array that never ends, produced only as fast as the client reads it.
    const block = Buffer.from(`${'"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",'.repeat(2048)}`);
    res.write('[');
    pumpBlocks(res, block, 200 * 1024 * 1024, (total) => (sent = total));
  });
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test' });
  t.teardown(() => http.close());
  const error = await failure(http.getJson(server.url, { buffer: true }));
  t.equal(error.code, 'HTTP_RESPONSE_TOO_LARGE');
  t.equal(error.details.maxBytes, MAX_JSON_RESPONSE_BYTES);
  t.ok(sent < 200 * 1024 * 1024, `the server was not read to its end (${sent} bytes sent)`);
});
