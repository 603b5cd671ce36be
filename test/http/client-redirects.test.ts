import t from 'tap';
import { HttpClient } from '../../src/http/client.js';
import type { AuthProvider } from '../../src/http/types.js';
import { failure, startServer } from '../helpers/http-servers.js';

const TOKEN = 'tok-redirect-9f8e7d6c';
const auth: AuthProvider = { headers: async () => ({ authorization: `Bearer ${TOKEN}`, 'x-company-id': 'company-1' }) };

t.test('a same-origin redirect keeps the Authorization header', async (t) => {
  const server = await startServer((req, res) => {
    if (req.url === '/start') return void res.writeHead(302, { location: '/final' }).end();
    res.end('done');
  });
  t.teardown(() => server.close());
  const response = await new HttpClient({ target: 'test' }).request({ method: 'GET', url: `${server.url}/start`, auth });
  t.equal(await response.text(), 'done');
  t.equal(response.url, `${server.url}/final`, 'the final URL is reported');
  t.equal(server.received[1]!.headers.authorization, `Bearer ${TOKEN}`);
});

t.test('a cross-origin redirect drops Authorization and the auth provider headers', async (t) => {
  const media = await startServer((_req, res) => void res.end('binary'));
  const confluence = await startServer((_req, res) => void res.writeHead(302, { location: `${media.url}/file/1/binary?token=media-secret` }).end());
  t.teardown(() => Promise.all([media.close(), confluence.close()]));
  const response = await new HttpClient({ target: 'test' }).request({
    method: 'GET',
    url: `${confluence.url}/download`,
    auth,
    headers: { Authorization: 'Basic caller-supplied', Cookie: 'session=1', 'Proxy-Authorization': 'Basic cHJveHk6c2VjcmV0', accept: '*/*' },
  });
  t.equal(await response.text(), 'binary');
  t.equal(confluence.received[0]!.headers.authorization, `Bearer ${TOKEN}`, 'the provider wins on its own origin');
  const seen = media.received[0]!.headers;
  t.equal(seen.authorization, undefined);
  t.equal(seen['x-company-id'], undefined);
  t.equal(seen.cookie, undefined);
  t.equal(seen['proxy-authorization'], undefined, 'proxy credentials are credentials too');
  t.equal(confluence.received[0]!.headers['proxy-authorization'], 'Basic cHJveHk6c2VjcmV0', 'they do reach the first origin');
  t.equal(seen.accept, '*/*', 'ordinary headers are kept');
});

t.test('a 303 after a POST becomes a GET without body', async (t) => {
  const server = await startServer((req, res) => {
    if (req.url === '/submit') return void res.writeHead(303, { location: '/result' }).end();
    res.end(`${req.method} ${req.headers['content-type'] ?? 'no-type'}`);
  });
  t.teardown(() => server.close());
  const response = await new HttpClient({ target: 'test' }).request({
    method: 'POST',
    url: `${server.url}/submit`,
    headers: { 'content-type': 'application/json' },
    body: '{"a":1}',
  });
  t.equal(await response.text(), 'GET no-type');
  t.equal(server.received[1]!.body.length, 0);
});

t.test('a 307 keeps method and body', async (t) => {
  const server = await startServer((req, res, received) => {
    if (req.url === '/old') return void res.writeHead(307, { location: '/new' }).end();
    res.end(`${req.method} ${received.body.toString()}`);
  });
  t.teardown(() => server.close());
  const response = await new HttpClient({ target: 'test' }).request({ method: 'PUT', url: `${server.url}/old`, body: 'payload' });
  t.equal(await response.text(), 'PUT payload');
});

t.test('more than ten redirects fail with HTTP_TOO_MANY_REDIRECTS', async (t) => {
  const server = await startServer((req, res) => {
    const n = Number(req.url!.slice(1));
    res.writeHead(302, { location: `/${n + 1}` }).end();
  });
  t.teardown(() => server.close());
  const error = await failure(new HttpClient({ target: 'test' }).request({ method: 'GET', url: `${server.url}/0` }));
  t.equal(error.code, 'HTTP_TOO_MANY_REDIRECTS');
  t.equal(server.received.length, 11, 'the first request and ten redirects');
});

t.test('ten redirects are still followed', async (t) => {
  const server = await startServer((req, res) => {
    const n = Number(req.url!.slice(1));
    if (n === 10) return void res.end('arrived');
    res.writeHead(301, { location: `/${n + 1}` }).end();
  });
  t.teardown(() => server.close());
  const response = await new HttpClient({ target: 'test' }).request({ method: 'GET', url: `${server.url}/0` });
  t.equal(await response.text(), 'arrived');
});

t.test('a redirect listed in allowStatus is returned, not followed', async (t) => {
  const server = await startServer((_req, res) => void res.writeHead(302, { location: '/elsewhere' }).end());
  t.teardown(() => server.close());
  const response = await new HttpClient({ target: 'test' }).request({ method: 'GET', url: server.url, allowStatus: [302] });
  t.equal(response.status, 302);
  t.equal(response.headers.location, '/elsewhere');
  t.equal(server.received.length, 1);
});
