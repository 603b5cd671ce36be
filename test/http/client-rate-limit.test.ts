import t from 'tap';
import { HttpClient } from '../../src/http/client.js';
import { FAST_RETRY, startServer } from '../helpers/http-servers.js';

t.test('requests through a client start at once up to the limit, then wait for the window', async (t) => {
  const server = await startServer((_req, res) => void res.end('ok'));
  t.teardown(() => server.close());
  // 4 per 200 ms. Start times are taken from the hook (end minus duration): server
  // arrival times would add connection set-up jitter to what the limiter controls. The
  // exact figures are proven on a manual clock in rate-limiter.test.ts; here only bounds
  // that scheduling delays cannot break.
  const starts: number[] = [];
  const http = new HttpClient({ target: 'test', ratePerMinute: 4, rateWindowMs: 200, onRequest: (e) => starts.push(performance.now() - e.durationMs) });
  t.teardown(() => http.close());
  await Promise.all(Array.from({ length: 8 }, () => http.request({ method: 'GET', url: server.url }).then((r) => r.text())));
  starts.sort((a, b) => a - b);
  for (let i = 0; i + 4 < starts.length; i += 1) t.ok(starts[i + 4]! - starts[i]! >= 200, `starts ${i}..${i + 4} span a window`);
  t.ok(starts[3]! - starts[0]! < 200, 'the first four did not wait for each other');
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
  const starts: number[] = [];
  const http = new HttpClient({
    target: 'test',
    ratePerMinute: 2,
    rateWindowMs: 300,
    retry: { ...FAST_RETRY, minTimeoutMs: 0 },
    onRequest: (e) => starts.push(performance.now() - e.durationMs),
  });
  t.teardown(() => http.close());
  await http.request({ method: 'GET', url: server.url });
  t.equal(starts.length, 3);
  t.ok(starts[2]! - starts[0]! >= 300, 'the second retry waited for the window: retries count against the limit');
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
