/**
 * One exchange of the HTTP client: the request sent, and its redirects followed by hand
 * so that credentials stay on the request's own origin (a hop elsewhere carries none).
 * Retries, deadlines and the reading of the answer are the client's.
 */
import { request as undiciRequest, type Dispatcher } from 'undici';
import type { Readable } from 'node:stream';
import { ConnectorError } from '../errors.js';
import { MAX_REDIRECTS, credentialHeaders, hopHeaders, isRedirect, lowerCaseKeys, nextHop, type Hop } from './redirects.js';
import { redactUrl, secretHeaderValues } from './redact.js';
import { discard, httpError } from './response.js';
import type { AttemptSignal } from './transfer-guard.js';
import type { HttpRequest, Timeouts } from './types.js';

/** A failure of one hop without a response; remembers which hop for the message. */
export class HopFailure extends Error {
  constructor(
    readonly hop: Hop,
    override readonly cause: unknown,
  ) {
    super('request failed');
  }
}

export interface Exchange {
  data: Dispatcher.ResponseData;
  hop: Hop;
  /** The answering hop is on the request's own origin (it saw the credentials). */
  home: boolean;
  /** The credential values sent, for scrubbing from anything an error shows. */
  secrets: string[];
}

export interface ExchangeInput {
  req: HttpRequest;
  /** The origin of `req.url`, which alone receives the credentials. */
  origin: string;
  authHeaders: Record<string, string>;
  userAgent: string;
  dispatcher: Dispatcher;
  timeouts: Pick<Timeouts, 'headersMs' | 'bodyIdleMs'>;
  signal: AttemptSignal;
}

/** Sends the request and follows redirects (at most `MAX_REDIRECTS`); a failure names its hop. */
export async function sendFollowingRedirects(input: ExchangeInput): Promise<Exchange> {
  const { req } = input;
  const callerHeaders = lowerCaseKeys(req.headers ?? {});
  const auth = lowerCaseKeys(input.authHeaders);
  const secrets = secretHeaderValues({ ...auth, ...credentialHeaders(callerHeaders) });
  let hop: Hop = { method: req.method, url: req.url, body: req.body };
  for (let redirects = 0; ; redirects += 1) {
    const home = redirects === 0 || originOf(hop.url) === input.origin;
    const bodyDropped = hop.method !== req.method || (req.body !== undefined && hop.body === undefined);
    const headers = hopHeaders({ callerHeaders, authHeaders: auth, userAgent: input.userAgent, home, bodyDropped });

    let data: Dispatcher.ResponseData;
    try {
      data = await undiciRequest(hop.url, {
        method: hop.method,
        headers,
        body: hop.body as string | Buffer | Readable | undefined,
        dispatcher: input.dispatcher,
        headersTimeout: input.timeouts.headersMs,
        bodyTimeout: input.timeouts.bodyIdleMs,
        signal: input.signal,
      });
    } catch (cause) {
      throw new HopFailure(hop, cause);
    }
    const status = data.statusCode;
    const location = headerValue(data.headers.location);
    if (!isRedirect(status) || location === undefined || req.allowStatus?.includes(status)) return { data, hop, home, secrets };

    await discard(data.body);
    const shown = redactUrl(hop.url);
    if (redirects >= MAX_REDIRECTS) {
      throw new HopFailure(hop, new ConnectorError('HTTP_TOO_MANY_REDIRECTS', `${hop.method} ${shown} redirected more than ${MAX_REDIRECTS} times`, {
        details: { method: hop.method, url: shown, status, redirects },
      }));
    }
    let next: Hop | undefined;
    try {
      next = nextHop(hop, status, location);
    } catch {
      throw new HopFailure(hop, httpError(hop.method, hop.url, status, 'invalid redirect location'));
    }
    if (next === undefined) {
      throw new HopFailure(hop, httpError(hop.method, hop.url, status, 'redirect needs the request body again, but it was a stream'));
    }
    hop = next;
  }
}

/** scheme + host + port of a URL; 'null' (as `URL.origin` says for opaque ones) when it does not parse. */
export function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'null';
  }
}

export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
