import type { Dispatcher } from 'undici';
import { atlassianApiBaseUrl, confluenceAuth } from '../confluence/auth.js';
import { ConfluenceApi } from '../confluence/api.js';
import { discoveryCql } from '../confluence/cql.js';
import type { TenantConfig } from '../config/types.js';
import { errorCode, errorMessage, isAuthFailure, isConnectorError } from '../errors.js';
import { HttpClient } from '../http/client.js';
import type { RequestEvent } from '../http/types.js';
import type { Logger } from '../log.js';

/**
 * Does Confluence accept this tenant's credentials? The discovery query itself (limit 1)
 * with the tenant's real PAT or OAuth token: a 401 (after the one token refresh) or a
 * 403 is an authenticated failure, so `/health` reports the tenant down with
 * AUTH_FAILURE, where the unauthenticated reachability check would call it up. Outside
 * the rate limiter, never retried; the OAuth token is cached for its lifetime, so a
 * probe costs one GET.
 */

export interface CredentialsHealth {
  status: 'up' | 'down';
  /** The search URL, without its query. */
  url: string;
  httpStatus?: number;
  durationMs: number;
  /** Whether the discovery query saw at least one labelled page (undefined when it failed). */
  labelledContentVisible?: boolean;
  /** AUTH_FAILURE for a 401/403, TIMEOUT, or the connector error code. */
  code?: string;
  /** The connector's own code of the failure (CONFLUENCE_AUTH_FAILED…), for docs/runbook.md. */
  errorCode?: string;
  error?: string;
}

export interface ConfluenceAuthProbeOptions {
  timeoutMs: number;
  env: NodeJS.ProcessEnv;
  /** The proxy: Confluence traffic always goes through it. */
  dispatcher?: Dispatcher;
  onRequest?: (event: RequestEvent) => void;
  logger: Logger;
}

export class ConfluenceAuthProbe {
  readonly #http: HttpClient;
  readonly #api: ConfluenceApi;
  readonly #cql: string;
  readonly #timeoutMs: number;

  constructor(tenant: TenantConfig, options: ConfluenceAuthProbeOptions) {
    const t = options.timeoutMs;
    this.#timeoutMs = t;
    // Target `confluence`: these are real Confluence requests, counted with the others.
    this.#http = new HttpClient({ target: 'confluence', dispatcher: options.dispatcher, onRequest: options.onRequest, timeouts: { connectMs: t, headersMs: t, bodyIdleMs: t }, retry: { retries: 0 } });
    const apiBase = atlassianApiBaseUrl(options.env);
    const config = tenant.confluence;
    const auth = confluenceAuth({ tenant: tenant.name, config, http: this.#http, atlassianApiBaseUrl: apiBase });
    this.#api = new ConfluenceApi({ tenant: tenant.name, config, http: this.#http, auth, atlassianApiBaseUrl: apiBase, attachmentsEnabled: false, logger: options.logger });
    this.#cql = discoveryCql(config.instanceType, this.#api.labels);
  }

  async check(): Promise<CredentialsHealth> {
    const url = this.#api.urls.contentSearch(this.#cql, 'version', 1);
    const shown = url.split('?')[0] ?? url;
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const response = await this.#api.request(url, { endpoint: 'health/credentials', buffer: true, signal: AbortSignal.timeout(this.#timeoutMs) });
      const body = (await response.json()) as { results?: unknown };
      const visible = Array.isArray(body?.results) ? body.results.length > 0 : undefined;
      return { status: 'up', url: shown, httpStatus: response.status, durationMs: elapsed(), ...(visible === undefined ? {} : { labelledContentVisible: visible }) };
    } catch (error) {
      const status = isConnectorError(error) && typeof error.details.status === 'number' ? error.details.status : undefined;
      const code = isAuthFailure(error) || status === 401 || status === 403 ? 'AUTH_FAILURE' : isConnectorError(error, 'HTTP_ABORTED') ? 'TIMEOUT' : errorCode(error);
      return { status: 'down', url: shown, ...(status === undefined ? {} : { httpStatus: status }), durationMs: elapsed(), code, errorCode: errorCode(error), error: errorMessage(error) };
    }
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
