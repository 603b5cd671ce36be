import t from 'tap';
import { Readable } from 'node:stream';
import { HttpClient } from '../../src/http/client.js';
import type { RequestEvent } from '../../src/http/types.js';
import { FAST_RETRY, failure, sendJson, startServer, type Teardown } from '../helpers/http-servers.js';

function client(events: RequestEvent[] = [], retry = FAST_RETRY): HttpClient {
  return new HttpClient({ target: 'test', retry, onRequest: (event) => events.push(event) });
}

/** Answers with the given statuses in turn, then 200 {"ok":true}. */
async function sequence(t: Teardown, statuses: Array<number | [number, Record<string, string>]>) {
  const server = await startServer((_req, res, _received) => {
    const next = statuses.shift();
    if (next === undefined) return sendJson(res, 200, { ok: true });
    const [status, headers] = Array.isArray(next) ? next : [next, {}];
    sendJson(res, status, { message: `failure ${status}` }, headers);
  });
  t.teardown(() => server.close());
  return server;
}

t.test('a 429 with Retry-After in seconds is waited out', async (t) => {
  const server = await sequence(t, [[429, { 'retry-after': '1' }]]);
  const events: RequestEvent[] = [];
  const http = client(events, { ...FAST_RETRY, maxTimeoutMs: 2000 });
  const response = await http.getJson<{ ok: boolean }>(`${server.url}/wiki/rest/api/search`);
  t.same(response, { ok: true });
  t.equal(server.received.length, 2);
  const gap = server.received[1]!.at - server.received[0]!.at;
  t.ok(gap >= 950, `waited ${gap.toFixed(0)} ms`);
  t.match(events[0], { outcome: 'retry', status: 429, throttled: true, retryAfterMs: 1000 });
  t.match(events[1], { outcome: 'ok', status: 200, throttled: false, attempt: 2 });
});

t.test('a Retry-After HTTP date is honoured and capped', async (t) => {
  const later = new Date(Date.now() + 5000).toUTCString();
  const server = await sequence(t, [[429, { 'retry-after': later }]]);
  const events: RequestEvent[] = [];
  await client(events, { ...FAST_RETRY, maxTimeoutMs: 300 }).request({ method: 'GET', url: server.url });
  const gap = server.received[1]!.at - server.received[0]!.at;
  t.ok(gap >= 290 && gap < 3500, `waited the 300 ms cap, not 5 s (${gap.toFixed(0)} ms)`);
  t.equal(events[0]!.retryAfterMs, 300);
});

for (const status of [500, 502, 503, 504]) {
  t.test(`a ${status} is retried`, async (t) => {
    const server = await sequence(t, [status, status]);
    const response = await client().request({ method: 'GET', url: server.url });
    t.equal(response.status, 200);
    t.equal(server.received.length, 3);
  });
}

t.test('a connection reset is retried', async (t) => {
  let calls = 0;
  const server = await startServer((req, res) => {
    calls += 1;
    if (calls === 1) return void req.socket.destroy();
    sendJson(res, 200, { ok: true });
  });
  t.teardown(() => server.close());
  const events: RequestEvent[] = [];
  const body = await client(events).getJson(`${server.url}/x`);
  t.same(body, { ok: true });
  t.equal(calls, 2);
  t.match(events[0], { outcome: 'retry', status: undefined });
  t.match(events[0]!.errorCode, /^(ECONNRESET|UND_ERR_SOCKET)$/);
});

for (const status of [400, 403, 404, 409]) {
  t.test(`a ${status} is not retried`, async (t) => {
    const server = await sequence(t, [status]);
    await t.rejects(client().request({ method: 'GET', url: server.url }), { code: 'HTTP_ERROR', details: { status } });
    t.equal(server.received.length, 1);
  });
}

t.test('a POST is not retried unless it opts in', async (t) => {
  const server = await sequence(t, [503, 503]);
  const http = client();
  await t.rejects(http.request({ method: 'POST', url: server.url, body: '{}' }), { code: 'HTTP_ERROR', details: { status: 503 } });
  t.equal(server.received.length, 1);
  const response = await http.request({ method: 'POST', url: server.url, body: '{"a":1}', retry: true });
  t.equal(response.status, 200);
  t.equal(server.received.length, 3);
  t.equal(server.received[2]!.body.toString(), '{"a":1}', 'the body is sent again on the retry');
});

t.test('a GET can opt out of retries', async (t) => {
  const server = await sequence(t, [503]);
  await t.rejects(client().request({ method: 'GET', url: server.url, retry: false }), { code: 'HTTP_ERROR' });
  t.equal(server.received.length, 1);
});

t.test('a streamed body is never retried, even when asked', async (t) => {
  const server = await sequence(t, [503]);
  const body = Readable.from([Buffer.from('chunk-1'), Buffer.from('chunk-2')]);
  await t.rejects(client().request({ method: 'PUT', url: server.url, body, retry: true }), { code: 'HTTP_ERROR', details: { status: 503 } });
  t.equal(server.received.length, 1);
  t.equal(server.received[0]!.body.toString(), 'chunk-1chunk-2');
});

t.test('after the last retry the error carries status and a body excerpt', async (t) => {
  const long = `line one\n\tline two ${'x'.repeat(1000)}`;
  const server = await startServer((_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain' });
    res.end(long);
  });
  t.teardown(() => server.close());
  const events: RequestEvent[] = [];
  const error = await failure(client(events, { ...FAST_RETRY, retries: 2 }).request({ method: 'GET', url: `${server.url}/wiki/rest/api/content/123` }));
  t.equal(server.received.length, 3, 'first attempt and two retries');
  t.equal(error.code, 'HTTP_ERROR');
  t.equal(error.message, `GET ${server.url}/wiki/rest/api/content/123 failed with HTTP 503`);
  t.match(error.details, { method: 'GET', url: `${server.url}/wiki/rest/api/content/123`, status: 503 });
  const excerpt = error.details.bodyExcerpt as string;
  t.ok(excerpt.startsWith('line one line two xxx'), 'single line');
  t.ok(excerpt.length <= 300, `at most 300 characters (${excerpt.length})`);
  t.same(events.map((e) => e.outcome), ['retry', 'retry', 'error']);
  t.same(events.map((e) => e.attempt), [1, 2, 3]);
});

t.test('the per-request retry options override the client defaults', async (t) => {
  const server = await sequence(t, [503, 503, 503, 503]);
  await t.rejects(client().request({ method: 'GET', url: server.url, retry: { retries: 1 } }), { code: 'HTTP_ERROR' });
  t.equal(server.received.length, 2);
});
