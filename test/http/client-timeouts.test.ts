import t from 'tap';
import { HttpClient } from '../../src/http/client.js';
import type { RequestEvent } from '../../src/http/types.js';
import { FAST_RETRY, failure, startServer } from '../helpers/http-servers.js';

t.test('the headers timeout fires and is retried, then reported', async (t) => {
  const server = await startServer(() => undefined); // never answers
  t.teardown(() => server.close());
  const events: RequestEvent[] = [];
  const http = new HttpClient({ target: 'test', timeouts: { headersMs: 100 }, retry: { ...FAST_RETRY, retries: 1 }, onRequest: (e) => events.push(e) });
  t.teardown(() => http.close());
  const started = performance.now();
  const error = await failure(http.request({ method: 'GET', url: `${server.url}/slow?token=abc123` }));
  const elapsed = performance.now() - started;
  t.equal(error.code, 'HTTP_NETWORK_ERROR');
  t.equal(error.details.errorCode, 'UND_ERR_HEADERS_TIMEOUT');
  t.notMatch(error.message, /abc123/);
  // undici checks its headers and body timers on a ~1 s tick, so 100 ms means "within a second or so".
  t.ok(elapsed >= 190 && elapsed < 8000, `two attempts timed out (${elapsed.toFixed(0)} ms)`);
  t.same(events.map((e) => [e.outcome, e.errorCode]), [['retry', 'UND_ERR_HEADERS_TIMEOUT'], ['error', 'UND_ERR_HEADERS_TIMEOUT']]);
});

t.test('the body idle timeout fails a stalled body read', async (t) => {
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"partial":'); // and nothing more
  });
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test', timeouts: { bodyIdleMs: 100 } });
  t.teardown(() => http.close());
  const response = await http.request({ method: 'GET', url: server.url });
  const error = await failure(response.json());
  t.equal(error.code, 'HTTP_NETWORK_ERROR');
  t.equal(error.details.errorCode, 'UND_ERR_BODY_TIMEOUT');
});

t.test('an aborted request fails with HTTP_ABORTED and is not retried', async (t) => {
  const controller = new AbortController();
  // Abort once the server holds the request (never answered), not after a fixed delay:
  // on a loaded machine the request may not have arrived yet after any given delay.
  const server = await startServer(() => controller.abort(new Error('shutdown')));
  t.teardown(() => server.close());
  const pending = new HttpClient({ target: 'test', retry: FAST_RETRY }).request({ method: 'GET', url: server.url, signal: controller.signal });
  const error = await failure(pending);
  t.equal(error.code, 'HTTP_ABORTED');
  t.equal(server.received.length, 1);
});

t.test('an abort while waiting for a retry stops at once', async (t) => {
  const server = await startServer((_req, res) => void res.writeHead(503, { 'retry-after': '10' }).end());
  t.teardown(() => server.close());
  const controller = new AbortController();
  const started = performance.now();
  const pending = new HttpClient({ target: 'test' }).request({ method: 'GET', url: server.url, signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  const error = await failure(pending);
  t.equal(error.code, 'HTTP_ABORTED');
  t.ok(performance.now() - started < 6000, 'did not wait out the 10 s');
});

t.test('a refused connection is retried, then reported as a network error', async (t) => {
  const server = await startServer(() => undefined);
  const url = server.url;
  await server.close();
  const events: RequestEvent[] = [];
  const error = await failure(new HttpClient({ target: 'test', retry: { ...FAST_RETRY, retries: 2 }, onRequest: (e) => events.push(e) }).request({ method: 'GET', url }));
  t.equal(error.code, 'HTTP_NETWORK_ERROR');
  t.equal(events.length, 3);
  t.match(error.message, /^GET http:\/\/127\.0\.0\.1:\d+\/ failed: ECONNREFUSED/);
});
