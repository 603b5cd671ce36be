import t from 'tap';
import { ConnectorError } from '../../src/errors.js';
import { HttpClient } from '../../src/http/client.js';
import type { AuthProvider, RequestEvent } from '../../src/http/types.js';
import { FAST_RETRY, failure, startServer } from '../helpers/http-servers.js';

/** Issues token-1, token-2, ... ; invalidate() makes the next headers() use a new one. */
function tokenProvider(): AuthProvider & { invalidations: number } {
  let current = 1;
  const provider = {
    invalidations: 0,
    headers: async () => ({ authorization: `Bearer secret-token-${current}` }),
    invalidate: () => {
      provider.invalidations += 1;
      current += 1;
    },
  };
  return provider;
}

t.test('a 401 invalidates the token and retries once with the new one', async (t) => {
  const server = await startServer((req, res) => {
    if (req.headers.authorization !== 'Bearer secret-token-2') return void res.writeHead(401).end('expired');
    res.end('welcome');
  });
  t.teardown(() => server.close());
  const auth = tokenProvider();
  const events: RequestEvent[] = [];
  const http = new HttpClient({ target: 'test', onRequest: (event) => events.push(event) });
  // A POST without retry opt-in still gets the one refresh: the 401 proves it had no effect.
  const response = await http.request({ method: 'POST', url: server.url, auth, body: 'x' });
  t.equal(await response.text(), 'welcome');
  t.equal(auth.invalidations, 1);
  t.same(server.received.map((r) => r.headers.authorization), ['Bearer secret-token-1', 'Bearer secret-token-2']);
  t.same(events.map((e) => [e.outcome, e.status, e.attempt]), [['retry', 401, 1], ['ok', 200, 2]]);
});

t.test('a second 401 is an error that names neither token', async (t) => {
  const server = await startServer((req, res) => void res.writeHead(401).end(`token ${req.headers.authorization} is not valid`));
  t.teardown(() => server.close());
  const auth = tokenProvider();
  const error = await failure(new HttpClient({ target: 'test', retry: FAST_RETRY }).request({ method: 'GET', url: server.url, auth }));
  t.equal(error.code, 'HTTP_ERROR');
  t.equal(error.details.status, 401);
  t.equal(auth.invalidations, 1, 'refreshed once only');
  t.equal(server.received.length, 2);
  const everything = JSON.stringify({ message: error.message, details: error.details });
  t.notMatch(everything, /secret-token/, 'the echoed token is scrubbed from the excerpt');
  t.match(String(error.details.bodyExcerpt), /\[redacted\]/);
});

t.test('a provider without invalidate gets no second chance', async (t) => {
  const server = await startServer((_req, res) => void res.writeHead(401).end());
  t.teardown(() => server.close());
  const auth: AuthProvider = { headers: async () => ({ authorization: 'Bearer static-pat-value' }) };
  await t.rejects(new HttpClient({ target: 'test' }).request({ method: 'GET', url: server.url, auth }), { code: 'HTTP_ERROR', details: { status: 401 } });
  t.equal(server.received.length, 1);
});

t.test('errors never carry secret query values or request headers', async (t) => {
  const server = await startServer((_req, res) => void res.writeHead(404).end('{"access_token":"leaked-in-body","message":"nope"}'));
  t.teardown(() => server.close());
  const url = `${server.url}/file?name=report.pdf&token=tok-query-1&X-Amz-Signature=sig-query-2&code=oauth-code-3&client_secret=cs-4`;
  const error = await failure(
    new HttpClient({ target: 'test' }).request({ method: 'GET', url, headers: { authorization: 'Bearer header-token-5', 'x-api-key': 'k-6' } }),
  );
  const everything = JSON.stringify({ message: error.message, details: error.details });
  for (const secret of ['tok-query-1', 'sig-query-2', 'oauth-code-3', 'cs-4', 'header-token-5', 'k-6', 'leaked-in-body']) {
    t.notOk(everything.includes(secret), `${secret} is not in the error`);
  }
  t.match(error.message, /name=report\.pdf&token=\[redacted\]/, 'harmless query values stay readable');
});

t.test('network errors are redacted the same way', async (t) => {
  const server = await startServer(() => undefined);
  const url = `${server.url}/download?signature=sig-net-1`;
  await server.close();
  const error = await failure(new HttpClient({ target: 'test' }).request({ method: 'GET', url, retry: false }));
  t.equal(error.code, 'HTTP_NETWORK_ERROR');
  t.equal(error.details.errorCode, 'ECONNREFUSED');
  t.notMatch(JSON.stringify({ message: error.message, details: error.details }), /sig-net-1/);
});

t.test('a failing auth provider fails the request at once, without retries', async (t) => {
  const server = await startServer((_req, res) => void res.end('never'));
  t.teardown(() => server.close());
  let calls = 0;
  const auth: AuthProvider = {
    headers: async () => {
      calls += 1;
      throw new ConnectorError('CONFLUENCE_AUTH_FAILED', 'token endpoint answered HTTP 401');
    },
  };
  await t.rejects(new HttpClient({ target: 'test', retry: FAST_RETRY }).request({ method: 'GET', url: server.url, auth }), { code: 'CONFLUENCE_AUTH_FAILED' });
  t.equal(calls, 1);
  t.equal(server.received.length, 0);
});

t.test('a 401 from another origin after a redirect does not refresh the token', async (t) => {
  const media = await startServer((_req, res) => void res.writeHead(401).end('signed link expired'));
  const origin = await startServer((_req, res) => void res.writeHead(302, { location: `${media.url}/file` }).end());
  t.teardown(() => Promise.all([media.close(), origin.close()]));
  const auth = tokenProvider();
  await t.rejects(new HttpClient({ target: 'test' }).request({ method: 'GET', url: origin.url, auth, retry: false }), {
    code: 'HTTP_ERROR',
    details: { status: 401 },
  });
  t.equal(auth.invalidations, 0);
  t.equal(media.received.length, 1);
});
