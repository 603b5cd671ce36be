import { readFileSync } from 'node:fs';
import { Pool, ProxyAgent, type Dispatcher } from 'undici';
import { ConnectorError } from '../errors.js';
import { Secret } from '../secret.js';

export type ProxyAuthMode = 'none' | 'no_auth' | 'username_password' | 'ssl_tls';

export interface ProxyConfig {
  mode: Exclude<ProxyAuthMode, 'none'>;
  protocol: 'http' | 'https';
  host: string;
  port: number;
  username?: string;
  password?: Secret;
  certPath?: string;
  keyPath?: string;
  caBundlePath?: string;
  /** Extra headers sent to the proxy (on CONNECT). */
  headers: Record<string, string>;
}

const MODES: readonly ProxyAuthMode[] = ['none', 'no_auth', 'username_password', 'ssl_tls'];

/**
 * Validates the PROXY_* variables; undefined for mode `none`. Pure: reads no files,
 * so it can run at start-up before anything else. Messages name the variable and
 * never a value that could be a credential.
 */
export function parseProxyEnv(env: NodeJS.ProcessEnv = process.env): ProxyConfig | undefined {
  const mode = (value(env, 'PROXY_AUTH_MODE') ?? 'none').toLowerCase() as ProxyAuthMode;
  if (!MODES.includes(mode)) invalid('PROXY_AUTH_MODE', `must be one of ${MODES.join(', ')}`);
  if (mode === 'none') return undefined;

  const protocolRaw = value(env, 'PROXY_PROTOCOL')?.toLowerCase() ?? (mode === 'ssl_tls' ? 'https' : 'http');
  if (protocolRaw !== 'http' && protocolRaw !== 'https') invalid('PROXY_PROTOCOL', 'must be http or https');
  // A client certificate is presented in a TLS handshake with the proxy.
  if (mode === 'ssl_tls' && protocolRaw !== 'https') invalid('PROXY_PROTOCOL', 'must be https when PROXY_AUTH_MODE is ssl_tls');

  const host = value(env, 'PROXY_HOST') ?? invalid('PROXY_HOST', `is required when PROXY_AUTH_MODE is ${mode}`);
  if (/[/\s@]/.test(host)) invalid('PROXY_HOST', 'must be a host name or address, without scheme, credentials or path');
  const portRaw = value(env, 'PROXY_PORT') ?? invalid('PROXY_PORT', `is required when PROXY_AUTH_MODE is ${mode}`);
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port < 1 || port > 65535) invalid('PROXY_PORT', 'must be a port number between 1 and 65535');

  const config: ProxyConfig = { mode, protocol: protocolRaw, host, port, headers: parseHeaders(value(env, 'PROXY_HEADERS')) };
  if (mode === 'username_password') {
    config.username = value(env, 'PROXY_USERNAME') ?? invalid('PROXY_USERNAME', 'is required when PROXY_AUTH_MODE is username_password');
    const password = env.PROXY_PASSWORD;
    if (password === undefined || password === '') invalid('PROXY_PASSWORD', 'is required when PROXY_AUTH_MODE is username_password');
    config.password = new Secret(password);
  }
  if (mode === 'ssl_tls') {
    config.certPath = value(env, 'PROXY_SSL_CERT_PATH') ?? invalid('PROXY_SSL_CERT_PATH', 'is required when PROXY_AUTH_MODE is ssl_tls');
    config.keyPath = value(env, 'PROXY_SSL_KEY_PATH') ?? invalid('PROXY_SSL_KEY_PATH', 'is required when PROXY_AUTH_MODE is ssl_tls');
  }
  config.caBundlePath = value(env, 'PROXY_SSL_CA_BUNDLE_PATH');
  if (config.caBundlePath !== undefined && config.protocol !== 'https') {
    invalid('PROXY_SSL_CA_BUNDLE_PATH', 'only applies when PROXY_PROTOCOL is https');
  }
  return config;
}

export interface ProxyAgentOptions {
  connectTimeoutMs?: number;
}

/** Builds the ProxyAgent; reads certificate files, failing with the variable's name. */
export function buildProxyAgent(config: ProxyConfig, options: ProxyAgentOptions = {}): ProxyAgent {
  const proxyTls: Record<string, unknown> = {};
  if (config.certPath) proxyTls.cert = readPem(config.certPath, 'PROXY_SSL_CERT_PATH');
  if (config.keyPath) proxyTls.key = readPem(config.keyPath, 'PROXY_SSL_KEY_PATH');
  if (config.caBundlePath) proxyTls.ca = readPem(config.caBundlePath, 'PROXY_SSL_CA_BUNDLE_PATH');
  if (options.connectTimeoutMs !== undefined) proxyTls.timeout = options.connectTimeoutMs;
  const token =
    config.username !== undefined && config.password !== undefined
      ? `Basic ${Buffer.from(`${config.username}:${config.password.reveal()}`, 'utf8').toString('base64')}`
      : undefined;
  return new ProxyAgent({
    uri: `${config.protocol}://${config.host}:${config.port}`,
    token,
    headers: config.headers,
    proxyTls,
    clientFactory: proxyClientFactory,
    ...(options.connectTimeoutMs === undefined ? {} : { requestTls: { timeout: options.connectTimeoutMs } }),
  });
}

/** The proxy dispatcher configured by the environment, or undefined for none. */
export function proxyFromEnv(env: NodeJS.ProcessEnv = process.env, options: ProxyAgentOptions = {}): ProxyAgent | undefined {
  const config = parseProxyEnv(env);
  return config === undefined ? undefined : buildProxyAgent(config, options);
}

/**
 * undici (7.30) treats a tunnel that the proxy closes during CONNECT as a recoverable
 * socket error and reconnects in a tight loop that even an abort does not end; an
 * https proxy refusing our client certificate (TLS 1.3 rejects it after the client's
 * handshake completed) does exactly that. Re-coding the error makes undici fail the
 * waiting request instead; the original error stays as `cause` (still retryable).
 */
function proxyClientFactory(origin: URL, options: object): Dispatcher {
  const pool = new Pool(origin, options as Pool.Options);
  const connect = pool.connect.bind(pool) as (params: Dispatcher.ConnectOptions) => Promise<Dispatcher.ConnectData>;
  Object.assign(pool, {
    connect: (params: Dispatcher.ConnectOptions) =>
      connect(params).catch((error: unknown) => {
        throw new ProxyConnectError(error);
      }),
  });
  return pool;
}

class ProxyConnectError extends Error {
  readonly code = 'PROXY_CONNECT_FAILED';

  constructor(cause: unknown) {
    super(`proxy connection failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'ProxyConnectError';
  }
}

function parseHeaders(raw: string | undefined): Record<string, string> {
  if (raw === undefined) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    invalid('PROXY_HEADERS', 'must be a JSON object of header names to string values');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    invalid('PROXY_HEADERS', 'must be a JSON object of header names to string values');
  }
  const headers: Record<string, string> = {};
  for (const [name, headerValue] of Object.entries(parsed as Record<string, unknown>)) {
    if (typeof headerValue !== 'string') invalid('PROXY_HEADERS', `header ${name} must have a string value`);
    headers[name.toLowerCase()] = headerValue;
  }
  return headers;
}

function readPem(path: string, variable: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConnectorError('CONFIG_INVALID', `${variable}: cannot read ${path}`, { cause: error, details: { variable, path } });
  }
}

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const raw = env[name]?.trim();
  return raw === undefined || raw === '' ? undefined : raw;
}

function invalid(variable: string, problem: string): never {
  throw new ConnectorError('CONFIG_INVALID', `${variable} ${problem}`, { details: { variable } });
}
