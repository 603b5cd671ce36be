import type { Dispatcher } from 'undici';
import type { TenantConfig } from '../config/types.js';
import { errorMessage, isAuthFailure, isConnectorError } from '../errors.js';
import { HttpClient } from '../http/client.js';
import type { RequestEvent } from '../http/types.js';
import { uniqueAuth } from '../unique/auth.js';
import { GraphqlClient } from '../unique/graphql.js';

/**
 * The `uniqueApi` indicator: `{ __typename }` to both GraphQL endpoints of a tenant
 * with its real credentials (Unique contract §1), outside the rate limiter, never
 * retried. A 401/403, or a failed Zitadel token request, is reported as AUTH_FAILURE
 * so an operator knows to fix credentials rather than the network.
 */

export interface EndpointHealth {
  status: 'up' | 'down';
  url: string;
  durationMs: number;
  /** AUTH_FAILURE, TIMEOUT, or the connector error code of the failure. */
  code?: string;
  error?: string;
}

export interface TenantUniqueApi {
  status: 'up' | 'down';
  ingestion: EndpointHealth;
  scopeManagement: EndpointHealth;
}

export interface UniqueProbeOptions {
  timeoutMs: number;
  /** The proxy; used only in external mode, like the tenant's own clients. */
  dispatcher?: Dispatcher;
  onRequest?: (event: RequestEvent) => void;
}

/** Built once per tenant at start-up, so a Zitadel token is fetched once an hour, not on every probe. */
export class UniqueProbe {
  readonly #clients: HttpClient[];
  readonly #ingestion: GraphqlClient;
  readonly #scopeManagement: GraphqlClient;
  readonly #timeoutMs: number;

  constructor(tenant: TenantConfig, options: UniqueProbeOptions) {
    const config = tenant.unique;
    const t = options.timeoutMs;
    const base = {
      dispatcher: config.serviceAuthMode === 'external' ? options.dispatcher : undefined,
      onRequest: options.onRequest,
      timeouts: { connectMs: t, headersMs: t, bodyIdleMs: t },
      retry: { retries: 0 },
    };
    const tokenHttp = new HttpClient({ ...base, target: 'unique-zitadel' });
    const ingestionHttp = new HttpClient({ ...base, target: 'unique-ingestion-graphql' });
    const scopeHttp = new HttpClient({ ...base, target: 'unique-scope-management-graphql' });
    this.#clients = [tokenHttp, ingestionHttp, scopeHttp];
    const auth = uniqueAuth({ tenant: tenant.name, config, http: tokenHttp });
    this.#ingestion = new GraphqlClient({ http: ingestionHttp, baseUrl: config.ingestionServiceBaseUrl, auth });
    this.#scopeManagement = new GraphqlClient({ http: scopeHttp, baseUrl: config.scopeManagementServiceBaseUrl, auth });
    this.#timeoutMs = t;
  }

  async check(): Promise<TenantUniqueApi> {
    const [ingestion, scopeManagement] = await Promise.all([this.#ping(this.#ingestion), this.#ping(this.#scopeManagement)]);
    return { status: ingestion.status === 'up' && scopeManagement.status === 'up' ? 'up' : 'down', ingestion, scopeManagement };
  }

  async #ping(client: GraphqlClient): Promise<EndpointHealth> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    let timer: NodeJS.Timeout | undefined;
    // A token fetch plus the ping could take two timeouts; the probe as a whole gets one.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ProbeTimeout()), this.#timeoutMs);
    });
    try {
      await Promise.race([client.ping(), timeout]);
      return { status: 'up', url: client.url, durationMs: elapsed() };
    } catch (error) {
      return { status: 'down', url: client.url, durationMs: elapsed(), code: failureCode(error), error: errorMessage(error) };
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.#clients.map((client) => client.close()));
  }
}

class ProbeTimeout extends Error {
  constructor() {
    super('no answer within the health check timeout');
  }
}

export function failureCode(error: unknown): string {
  if (error instanceof ProbeTimeout) return 'TIMEOUT';
  if (isAuthFailure(error)) return 'AUTH_FAILURE';
  if (!isConnectorError(error)) return 'UNEXPECTED';
  const { status, httpStatus } = error.details;
  if (status === 401 || status === 403 || httpStatus === 401 || httpStatus === 403) return 'AUTH_FAILURE';
  return error.code;
}
