/**
 * Every request with its status, for assertions on traffic. Credentials never enter
 * the log: only the Authorization scheme is kept and token-like query values are
 * redacted.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestLogEntry } from './types.js';

const SECRET_QUERY_KEYS = new Set(['token', 'access_token', 'client_secret', 'os_password']);
const TOKEN_PATH = /(\/oauth\/token|\/rest\/oauth2\/latest\/token)$/;

export class RequestLog {
  private log: RequestLogEntry[] = [];

  constructor(private readonly limit = 200_000) {}

  get entries(): RequestLogEntry[] {
    return this.log;
  }

  record(req: IncomingMessage, path: string, query: URLSearchParams, server: RequestLogEntry['server']): RequestLogEntry {
    const safeQuery: Record<string, string> = {};
    for (const [key, value] of query) safeQuery[key] = SECRET_QUERY_KEYS.has(key.toLowerCase()) ? '[redacted]' : value;
    const authorization = req.headers.authorization;
    const entry: RequestLogEntry = {
      method: req.method ?? 'GET',
      path,
      query: safeQuery,
      authScheme: authorization ? (authorization.split(' ')[0] ?? null) : null,
      status: 0,
      at: Date.now(),
      server,
    };
    if (req.headers.accept !== undefined) entry.accept = req.headers.accept;
    if (req.headers['user-agent'] !== undefined) entry.userAgent = req.headers['user-agent'];
    // Dropping the older half at once keeps appends amortised O(1) for long benchmarks.
    if (this.log.length >= this.limit) this.log = this.log.slice(Math.floor(this.limit / 2));
    this.log.push(entry);
    return entry;
  }

  clear(): void {
    this.log = [];
  }

  /** Anything but GET, token requests excluded: the connector must never write. */
  nonGetRequests(): RequestLogEntry[] {
    return this.log.filter((e) => e.method !== 'GET' && !(e.method === 'POST' && TOKEN_PATH.test(e.path)));
  }
}
