import { Secret } from '../secret.js';

export interface IssuedToken {
  accessToken: Secret;
  expiresInSeconds: number;
}

export interface CachedTokenOptions {
  /** Fetches a new token; its errors reach every caller waiting on that fetch. */
  fetch: () => Promise<IssuedToken>;
  /** Refresh this many seconds before expiry. */
  refreshMarginSeconds: number;
  now?: () => number;
}

/**
 * One OAuth access token per tenant and service: cached in memory, fetched
 * single-flight (concurrent callers share one token request), refreshed early.
 * A failed fetch leaves the cache empty so the next caller tries again.
 */
export class CachedToken {
  readonly #options: CachedTokenOptions;
  #token: Secret | undefined;
  #refreshAt = 0;
  #inflight: Promise<Secret> | undefined;

  constructor(options: CachedTokenOptions) {
    this.#options = options;
  }

  async get(): Promise<Secret> {
    const now = this.#now();
    if (this.#token !== undefined && now < this.#refreshAt) return this.#token;
    this.#inflight ??= this.#fetch().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  /** Drops the cached token, e.g. after the API answered 401 to it. */
  invalidate(): void {
    this.#token = undefined;
    this.#refreshAt = 0;
  }

  async #fetch(): Promise<Secret> {
    const obtainedAt = this.#now();
    const issued = await this.#options.fetch();
    const lifetimeMs = issued.expiresInSeconds * 1000;
    // The margin never eats more than half a short-lived token's life; otherwise a
    // token living less than the margin would be refetched on every call.
    const marginMs = Math.min(this.#options.refreshMarginSeconds * 1000, lifetimeMs / 2);
    this.#token = issued.accessToken;
    this.#refreshAt = obtainedAt + lifetimeMs - marginMs;
    return issued.accessToken;
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

/** Reads `access_token` and `expires_in` from a token endpoint's JSON answer. */
export function parseTokenResponse(body: unknown): IssuedToken | string {
  if (body === null || typeof body !== 'object') return 'response is not a JSON object';
  const { access_token: accessToken, expires_in: expiresIn } = body as Record<string, unknown>;
  if (typeof accessToken !== 'string' || accessToken === '') return 'response has no access_token';
  const seconds = typeof expiresIn === 'string' ? Number(expiresIn) : expiresIn;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) {
    return 'response has no positive numeric expires_in';
  }
  return { accessToken: new Secret(accessToken), expiresInSeconds: seconds };
}
