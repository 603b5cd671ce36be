import t from 'tap';
import { HttpClient } from '../../src/http/client.js';
import { FAST_RETRY, startServer } from '../helpers/http-servers.js';

/**
 * The exact window arithmetic is proven on a manual clock in rate-limiter.test.ts. Here
 * the client is shown to go through its limiter, read from the wait each request
 * reports (`queuedMs`), which scheduling delays cannot change.
 */
t.test('requests through a client start at once up to the limit; the rest wait for the window', async (t) => {
  const server = await startServer((_req, res) => void res.end('ok'));
  t.teardown(() => server.close());
  const queued: number[] = [];
  const http = new HttpClient({ target: 'test', ratePerMinute: 4, rateWindowMs: 200, onRequest: (e) => queued.push(e.queuedMs) });
  t.teardown(() => http.close());
  await Promise.all(Array.from({ length: 8 }, () => http.request({ method: 'GET', url: server.url }).then((r) => r.text())));
  queued.sort((a, b) => a - b);
  t.same(queued.slice(0, 4), [0, 0, 0, 0], 'the first four did not wait at all');
  t.ok(queued.slice(4).every((ms) => ms > 0), `the other four waited for the window (${queued.slice(4).map(Math.round).join(', ')} ms)`);
  t.equal(server.received.length, 8);
});

t.test('every retry takes a slot of its own', async (t) => {
  let calls = 0;
  const server = await startServer((_req, res) => {
    calls += 1;
    if (calls <= 2) return void res.writeHead(503).end();
    res.end('ok');
  });
  t.teardown(() => server.close());
  const queued: number[] = [];
  const http = new HttpClient({
    target: 'test',
    ratePerMinute: 2,
    rateWindowMs: 1000,
    retry: { ...FAST_RETRY, minTimeoutMs: 0 },
    onRequest: (e) => queued.push(e.queuedMs),
  });
  t.teardown(() => http.close());
  await http.request({ method: 'GET', url: server.url });
  t.equal(queued.length, 3);
  t.equal(queued[0], 0);
  t.ok(queued[2]! > 0, 'the second retry waited for the window: retries count against the limit');
});

t.test('a request that bypasses the limiter does not queue', async (t) => {
  const server = await startServer((_req, res) => void res.end('ok'));
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test', ratePerMinute: 1, rateWindowMs: 5000 });
  t.teardown(() => http.close());
  await http.request({ method: 'GET', url: server.url });
  const started = performance.now();
  const health = await http.request({ method: 'GET', url: server.url, bypassRateLimit: true });
  t.equal(health.status, 200);
  t.ok(performance.now() - started < 3000, 'the health check did not wait 5 s');
});
