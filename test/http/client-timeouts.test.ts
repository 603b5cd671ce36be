import t from 'tap';
import { HttpClient } from '../../src/http/client.js';
import type { RequestEvent } from '../../src/http/types.js';
import { FAST_RETRY, failure, startServer } from '../helpers/http-servers.js';
import { ManualClock, until } from '../helpers/manual-clock.js';

t.test('the headers timeout fires and is retried, then reported', async (t) => {
  const server = await startServer(() => undefined); // never answers
  t.teardown(() => server.close());
  const events: RequestEvent[] = [];
  const http = new HttpClient({ target: 'test', timeouts: { headersMs: 100 }, retry: { ...FAST_RETRY, retries: 1 }, onRequest: (e) => events.push(e) });
  t.teardown(() => http.close());
  // undici's own timer (checked on a ~1 s tick): real time, but the server never answers, so
  // the outcome does not depend on how fast the machine is.
  const error = await failure(http.request({ method: 'GET', url: `${server.url}/slow?token=abc123` }));
  t.equal(error.code, 'HTTP_NETWORK_ERROR');
  t.equal(error.details.errorCode, 'UND_ERR_HEADERS_TIMEOUT');
  t.notMatch(error.message, /abc123/);
  t.same(events.map((e) => [e.outcome, e.errorCode]), [['retry', 'UND_ERR_HEADERS_TIMEOUT'], ['error', 'UND_ERR_HEADERS_TIMEOUT']], 'two attempts timed out');
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
  // The 10 s wait runs on a clock that never moves: only the abort can end it.
  const clock = new ManualClock();
  const pending = failure(new HttpClient({ target: 'test', clock }).request({ method: 'GET', url: server.url, signal: controller.signal }));
  await until(() => server.received.length === 1 && clock.pending === 1);
  controller.abort();
  const error = await pending;
  t.equal(error.code, 'HTTP_ABORTED');
  t.equal(server.received.length, 1, 'not sent again');
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
