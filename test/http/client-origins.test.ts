/**
 * Credentials only to their origins (issue 10, finding 3): a link the server hands out
 * (an absolute download link, a `_links.next`) on another origin used to receive the
 * PAT. The rule sits where credentials are attached, so no call site can forget it.
 */
import t from 'tap';
import { HttpClient } from '../../src/http/client.js';
import { boundToOrigins } from '../../src/http/origins.js';
import type { AuthProvider, RequestEvent } from '../../src/http/types.js';
import { failure, startServer } from '../helpers/http-servers.js';

const TOKEN = 'pat-origin-5e4d3c2b1a';
const pat: AuthProvider = { headers: async () => ({ authorization: `Bearer ${TOKEN}` }) };

t.test('credentials bound to an origin are refused for any other origin before anything is sent', async (t) => {
  const home = await startServer((_req, res) => void res.end('home'));
  const elsewhere = await startServer((_req, res) => void res.end('stolen'));
  t.teardown(() => Promise.all([home.close(), elsewhere.close()]));
  const events: RequestEvent[] = [];
  const http = new HttpClient({ target: 'confluence', onRequest: (e) => events.push(e) });
  t.teardown(() => http.close());
  const auth = boundToOrigins(pat, [`${home.url}/confluence`]);

  t.equal(await (await http.request({ method: 'GET', url: `${home.url}/rest/api/x`, auth })).text(), 'home');
  t.equal(home.received[0]!.headers.authorization, `Bearer ${TOKEN}`);

  const error = await failure(http.request({ method: 'GET', url: `${elsewhere.url}/download/attachments/1/a.pdf?token=q`, auth }));
  t.equal(error.code, 'HTTP_ORIGIN_REFUSED');
  t.match(error.message, /refused: credentials are only sent to http:\/\/127\.0\.0\.1:\d+, not to http:\/\/127\.0\.0\.1:\d+/);
  t.notMatch(error.message, new RegExp(TOKEN));
  t.equal(elsewhere.received.length, 0, 'the other origin never saw a request');
  t.same(events.slice(-1).map((e) => [e.outcome, e.errorCode]), [['error', 'HTTP_ORIGIN_REFUSED']]);
});

t.test('user info in a link does not smuggle a foreign host past the check', async (t) => {
  const home = await startServer((_req, res) => void res.end('home'));
  const elsewhere = await startServer((_req, res) => void res.end('stolen'));
  t.teardown(() => Promise.all([home.close(), elsewhere.close()]));
  const http = new HttpClient({ target: 'confluence' });
  t.teardown(() => http.close());
  const auth = boundToOrigins(pat, [home.url]);
  const host = new URL(home.url).host;
  const error = await failure(http.request({ method: 'GET', url: `http://${host}@${new URL(elsewhere.url).host}/x`, auth }));
  t.equal(error.code, 'HTTP_ORIGIN_REFUSED');
  t.equal(elsewhere.received.length, 0);
});

t.test('a redirect from the allowed origin to another one is still followed, without the credentials', async (t) => {
  const media = await startServer((_req, res) => void res.end('bytes'));
  const home = await startServer((_req, res) => void res.writeHead(302, { location: `${media.url}/file/1?token=signed` }).end());
  t.teardown(() => Promise.all([home.close(), media.close()]));
  const http = new HttpClient({ target: 'confluence' });
  t.teardown(() => http.close());
  const response = await http.request({ method: 'GET', url: `${home.url}/download`, auth: boundToOrigins(pat, [home.url]) });
  t.equal(await response.text(), 'bytes');
  t.equal(media.received[0]!.headers.authorization, undefined);
});

t.test('a provider without origins keeps today\'s rule: the request\'s own origin', async (t) => {
  const server = await startServer((_req, res) => void res.end('ok'));
  t.teardown(() => server.close());
  const http = new HttpClient({ target: 'test' });
  t.teardown(() => http.close());
  t.equal(await (await http.request({ method: 'GET', url: server.url, auth: pat })).text(), 'ok');
  t.equal(server.received[0]!.headers.authorization, `Bearer ${TOKEN}`);
});
