import t from 'tap';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { createProxy, type ProxyServer } from 'proxy';
import { HttpClient } from '../../src/http/client.js';
import { buildProxyAgent, parseProxyEnv, proxyFromEnv } from '../../src/http/proxy.js';
import { failure, startServer, type Teardown } from '../helpers/http-servers.js';

const PASSWORD = 'hunter2-proxy-pass';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  clientCert?: string;
}

/** A real forward proxy on loopback that records every request it authenticates. */
async function startProxy(t: Teardown, check: (req: http.IncomingMessage) => boolean, server: http.Server = http.createServer()) {
  const proxy: ProxyServer = createProxy(server);
  const seen: Seen[] = [];
  proxy.authenticate = (req) => {
    const socket = req.socket as TLSSocket;
    const clientCert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate().subject?.CN : undefined;
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, clientCert });
    return check(req);
  };
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  t.teardown(
    () =>
      new Promise<void>((resolve) => {
        proxy.closeAllConnections();
        proxy.close(() => resolve());
      }),
  );
  return { port: (proxy.address() as AddressInfo).port, seen };
}

async function target(t: Teardown) {
  const server = await startServer((_req, res) => void res.end('through the proxy'));
  t.teardown(() => server.close());
  return server;
}

t.test('no_auth: requests go through the proxy with the PROXY_HEADERS', async (t) => {
  const upstream = await target(t);
  const proxy = await startProxy(t, () => true);
  const dispatcher = proxyFromEnv({
    PROXY_AUTH_MODE: 'no_auth',
    PROXY_HOST: '127.0.0.1',
    PROXY_PORT: String(proxy.port),
    PROXY_HEADERS: '{"X-Proxy-Tenant":"acme"}',
  });
  t.ok(dispatcher);
  t.teardown(() => dispatcher!.close());
  const http = new HttpClient({ target: 'test', dispatcher });
  const response = await http.request({ method: 'GET', url: `${upstream.url}/wiki/rest/api/space` });
  t.equal(await response.text(), 'through the proxy');
  t.equal(proxy.seen.length, 1);
  t.equal(proxy.seen[0]!.method, 'CONNECT');
  t.equal(proxy.seen[0]!.url, new URL(upstream.url).host, 'the proxy tunnelled to the target');
  t.equal(proxy.seen[0]!.headers['x-proxy-tenant'], 'acme');
  t.equal(upstream.received.length, 1);
});

t.test('username_password: Basic proxy auth, and a wrong password is a 407 that does not show it', async (t) => {
  const upstream = await target(t);
  const expected = `Basic ${Buffer.from(`svc-user:${PASSWORD}`).toString('base64')}`;
  const proxy = await startProxy(t, (req) => req.headers['proxy-authorization'] === expected);
  const env = { PROXY_AUTH_MODE: 'username_password', PROXY_HOST: '127.0.0.1', PROXY_PORT: String(proxy.port), PROXY_USERNAME: 'svc-user' };

  const good = proxyFromEnv({ ...env, PROXY_PASSWORD: PASSWORD })!;
  t.teardown(() => good.close());
  const ok = await new HttpClient({ target: 'test', dispatcher: good }).request({ method: 'GET', url: upstream.url });
  t.equal(await ok.text(), 'through the proxy');

  const wrongPassword = `${PASSWORD}-wrong`;
  const bad = proxyFromEnv({ ...env, PROXY_PASSWORD: wrongPassword })!;
  t.teardown(() => bad.close());
  const error = await failure(new HttpClient({ target: 'test', dispatcher: bad }).request({ method: 'GET', url: upstream.url }));
  t.equal(error.code, 'HTTP_PROXY_ERROR');
  t.equal(error.details.proxyStatus, 407);
  const shown = JSON.stringify({ message: error.message, details: error.details, cause: String(error.cause) });
  t.notMatch(shown, /hunter2/);
  t.notMatch(shown, new RegExp(Buffer.from(`svc-user:${wrongPassword}`).toString('base64')));
  t.equal(proxy.seen.length, 2, 'the proxy saw both tunnels');
  t.equal(upstream.received.length, 1, 'only the authenticated one reached the target');
});

const skipTls = hasOpenssl() ? false : 'openssl is not available to generate test certificates';

t.test('ssl_tls: a client certificate is presented to an https proxy', { skip: skipTls }, async (t) => {
  const certs = makeCerts();
  t.teardown(() => rmSync(certs.dir, { recursive: true, force: true }));
  const upstream = await target(t);
  const tlsServer = https.createServer({ key: certs.serverKey, cert: certs.serverCert, ca: certs.caCert, requestCert: true, rejectUnauthorized: true });
  const proxy = await startProxy(t, () => true, tlsServer as unknown as http.Server);
  const env = {
    PROXY_AUTH_MODE: 'ssl_tls',
    PROXY_HOST: '127.0.0.1',
    PROXY_PORT: String(proxy.port),
    PROXY_SSL_CERT_PATH: certs.paths.clientCert,
    PROXY_SSL_KEY_PATH: certs.paths.clientKey,
    PROXY_SSL_CA_BUNDLE_PATH: certs.paths.caCert,
  };
  const dispatcher = proxyFromEnv(env)!;
  t.teardown(() => dispatcher.close());
  const response = await new HttpClient({ target: 'test', dispatcher }).request({ method: 'GET', url: upstream.url });
  t.equal(await response.text(), 'through the proxy');
  t.equal(proxy.seen[0]!.clientCert, 'connector-client');

  // The same proxy without a client certificate refuses the TLS handshake.
  const noCert = buildProxyAgent({ ...parseProxyEnv({ ...env, PROXY_AUTH_MODE: 'no_auth', PROXY_PROTOCOL: 'https' })! });
  t.teardown(() => noCert.close());
  const error = await failure(new HttpClient({ target: 'test', dispatcher: noCert }).request({ method: 'GET', url: upstream.url, retry: false }));
  t.equal(error.code, 'HTTP_NETWORK_ERROR');
});

t.test('ssl_tls: certificate files that cannot be read name their variable', async (t) => {
  const error = await failure(
    Promise.resolve().then(() =>
      proxyFromEnv({ PROXY_AUTH_MODE: 'ssl_tls', PROXY_HOST: 'proxy.corp', PROXY_PORT: '3128', PROXY_SSL_CERT_PATH: '/nonexistent/c.pem', PROXY_SSL_KEY_PATH: '/nonexistent/k.pem' }),
    ),
  );
  t.equal(error.code, 'CONFIG_INVALID');
  t.equal(error.details.variable, 'PROXY_SSL_CERT_PATH');
});

t.test('proxy configuration is validated', async (t) => {
  t.equal(parseProxyEnv({}), undefined, 'none is the default');
  t.equal(proxyFromEnv({ PROXY_AUTH_MODE: 'none', PROXY_HOST: 'ignored' }), undefined);
  const base = { PROXY_HOST: 'proxy.corp', PROXY_PORT: '3128' };
  const cases: Array<[Record<string, string>, string]> = [
    [{ PROXY_AUTH_MODE: 'kerberos' }, 'PROXY_AUTH_MODE'],
    [{ PROXY_AUTH_MODE: 'no_auth', PROXY_PORT: '3128' }, 'PROXY_HOST'],
    [{ PROXY_AUTH_MODE: 'no_auth', PROXY_HOST: 'proxy.corp' }, 'PROXY_PORT'],
    [{ ...base, PROXY_AUTH_MODE: 'no_auth', PROXY_PORT: '99999' }, 'PROXY_PORT'],
    [{ ...base, PROXY_AUTH_MODE: 'no_auth', PROXY_HOST: 'http://proxy.corp' }, 'PROXY_HOST'],
    [{ ...base, PROXY_AUTH_MODE: 'no_auth', PROXY_PROTOCOL: 'socks5' }, 'PROXY_PROTOCOL'],
    [{ ...base, PROXY_AUTH_MODE: 'no_auth', PROXY_HEADERS: '{not json' }, 'PROXY_HEADERS'],
    [{ ...base, PROXY_AUTH_MODE: 'no_auth', PROXY_HEADERS: '{"x-n":1}' }, 'PROXY_HEADERS'],
    [{ ...base, PROXY_AUTH_MODE: 'username_password', PROXY_PASSWORD: PASSWORD }, 'PROXY_USERNAME'],
    [{ ...base, PROXY_AUTH_MODE: 'username_password', PROXY_USERNAME: 'u' }, 'PROXY_PASSWORD'],
    [{ ...base, PROXY_AUTH_MODE: 'username_password', PROXY_USERNAME: 'u', PROXY_PASSWORD: PASSWORD, PROXY_PORT: 'x' }, 'PROXY_PORT'],
    [{ ...base, PROXY_AUTH_MODE: 'ssl_tls', PROXY_SSL_KEY_PATH: '/k' }, 'PROXY_SSL_CERT_PATH'],
    [{ ...base, PROXY_AUTH_MODE: 'ssl_tls', PROXY_SSL_CERT_PATH: '/c' }, 'PROXY_SSL_KEY_PATH'],
    [{ ...base, PROXY_AUTH_MODE: 'ssl_tls', PROXY_SSL_CERT_PATH: '/c', PROXY_SSL_KEY_PATH: '/k', PROXY_PROTOCOL: 'http' }, 'PROXY_PROTOCOL'],
    [{ ...base, PROXY_AUTH_MODE: 'no_auth', PROXY_SSL_CA_BUNDLE_PATH: '/ca' }, 'PROXY_SSL_CA_BUNDLE_PATH'],
  ];
  for (const [env, variable] of cases) {
    let caught: unknown;
    try {
      parseProxyEnv(env);
    } catch (error) {
      caught = error;
    }
    t.match(caught, { code: 'CONFIG_INVALID', details: { variable } }, `${JSON.stringify(env)} names ${variable}`);
    t.notMatch(String((caught as Error)?.message), /hunter2/, 'the password is never in a message');
    t.match(String((caught as Error)?.message), new RegExp(`^${variable} `));
  }
});

t.test('parsed config keeps the password as a Secret and defaults the protocol', async (t) => {
  const config = parseProxyEnv({ PROXY_AUTH_MODE: 'USERNAME_PASSWORD', PROXY_HOST: 'proxy.corp', PROXY_PORT: '3128', PROXY_USERNAME: 'u', PROXY_PASSWORD: PASSWORD })!;
  t.match(config, { mode: 'username_password', protocol: 'http', host: 'proxy.corp', port: 3128, username: 'u', headers: {} });
  t.equal(JSON.stringify(config).includes(PASSWORD), false);
  t.equal(config.password!.reveal(), PASSWORD);
  t.equal(parseProxyEnv({ PROXY_AUTH_MODE: 'ssl_tls', PROXY_HOST: 'p', PROXY_PORT: '1', PROXY_SSL_CERT_PATH: '/c', PROXY_SSL_KEY_PATH: '/k' })!.protocol, 'https');
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** A throw-away CA, a server certificate for 127.0.0.1 and a client certificate. */
function makeCerts() {
  const dir = mkdtempSync(join(tmpdir(), 'proxy-tls-'));
  const path = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl('req', '-x509', ...ec, '-keyout', path('ca.key'), '-out', path('ca.crt'), '-subj', '/CN=test-ca', '-days', '1');
  writeFileSync(path('server.ext'), 'subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  writeFileSync(path('client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, cn] of [['server', '127.0.0.1'], ['client', 'connector-client']] as const) {
    ssl('req', ...ec, '-keyout', path(`${name}.key`), '-out', path(`${name}.csr`), '-subj', `/CN=${cn}`);
    ssl('x509', '-req', '-in', path(`${name}.csr`), '-CA', path('ca.crt'), '-CAkey', path('ca.key'), '-CAcreateserial', '-out', path(`${name}.crt`), '-days', '1', '-extfile', path(`${name}.ext`));
  }
  const read = (name: string) => readFileSync(path(name));
  return {
    dir,
    caCert: read('ca.crt'),
    serverKey: read('server.key'),
    serverCert: read('server.crt'),
    paths: { caCert: path('ca.crt'), clientCert: path('client.crt'), clientKey: path('client.key') },
  };
}
