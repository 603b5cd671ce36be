import type { Dispatcher } from 'undici';
import { atlassianApiBaseUrl } from '../confluence/auth.js';
import type { TenantConfig } from '../config/types.js';
import { errorMessage, isConnectorError } from '../errors.js';
import { HttpClient } from '../http/client.js';
import type { CredentialsHealth } from './confluence-auth.js';

/**
 * The network half of the `connectivity` indicator: can this pod reach each active
 * tenant's Confluence (and, for a Cloud tenant, the Atlassian API gateway)? The request
 * is sent without credentials and any HTTP answer, even a 401 or a 404, counts as
 * reachable: the question is the network path (DNS, proxy, firewall). Whether the
 * account is accepted is the other half (confluence-auth.ts). It goes
 * through the proxy like all Confluence traffic, outside the rate limiter, never retried.
 */

export interface TargetHealth {
  url: string;
  reachable: boolean;
  httpStatus?: number;
  durationMs: number;
  error?: string;
}

export interface TenantConnectivity {
  status: 'up' | 'down';
  confluence: TargetHealth;
  atlassianApi?: TargetHealth;
  /** The authenticated check (health/confluence-auth.ts): a refused credential makes the tenant down. */
  credentials?: CredentialsHealth;
}

/** Every status is an answer; redirects are not followed (a redirect is an answer too). */
const ANY_STATUS = Array.from({ length: 500 }, (_, i) => i + 100);

export class ConnectivityProbe {
  readonly #http: HttpClient;
  readonly #timeoutMs: number;
  readonly #env: NodeJS.ProcessEnv;

  constructor(options: { timeoutMs: number; env: NodeJS.ProcessEnv; dispatcher?: Dispatcher }) {
    this.#timeoutMs = options.timeoutMs;
    this.#env = options.env;
    const timeouts = { connectMs: options.timeoutMs, headersMs: options.timeoutMs, bodyIdleMs: options.timeoutMs };
    this.#http = new HttpClient({ target: 'health-connectivity', dispatcher: options.dispatcher, timeouts });
  }

  async check(tenant: TenantConfig): Promise<TenantConnectivity> {
    const cloud = tenant.confluence.instanceType === 'cloud';
    const [confluence, atlassianApi] = await Promise.all([
      this.#reach(tenant.confluence.baseUrl),
      cloud ? this.#reach(atlassianApiBaseUrl(this.#env)) : Promise.resolve(undefined),
    ]);
    const reachable = confluence.reachable && (atlassianApi?.reachable ?? true);
    return { status: reachable ? 'up' : 'down', confluence, ...(atlassianApi ? { atlassianApi } : {}) };
  }

  async #reach(url: string): Promise<TargetHealth> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    try {
      const response = await this.#http.request({
        method: 'GET',
        url,
        headers: { accept: '*/*' },
        retry: false,
        allowStatus: ANY_STATUS,
        endpoint: 'health/connectivity',
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      response.body.resume();
      return { url, reachable: true, httpStatus: response.status, durationMs: elapsed() };
    } catch (error) {
      const status = isConnectorError(error) && typeof error.details.status === 'number' ? error.details.status : undefined;
      if (status !== undefined) return { url, reachable: true, httpStatus: status, durationMs: elapsed() };
      return { url, reachable: false, durationMs: elapsed(), error: errorMessage(error) };
    }
  }

  close(): Promise<void> {
    return this.#http.close();
  }
}
