import type { Dispatcher } from 'undici';
import type { UniqueConfig } from '../config/types.js';
import { HttpClient } from '../http/client.js';
import { boundToOrigins } from '../http/origins.js';
import type { Clock } from '../http/clock.js';
import type { RequestEvent, RetryOptions, Timeouts } from '../http/types.js';
import { uniqueAuth } from './auth.js';
import { ContentApi } from './content.js';
import { FileDiffClient } from './file-diff.js';
import { GraphqlClient } from './graphql.js';
import { ScopeApi } from './scopes.js';
import { UploadClient } from './upload.js';

export interface UniqueClientsOptions {
  tenant: string;
  config: UniqueConfig;
  /** The proxy. Used only in external mode: cluster_local traffic stays inside the cluster (§2.1). */
  dispatcher?: Dispatcher;
  onRequest?: (event: RequestEvent) => void;
  timeouts?: Partial<Timeouts>;
  /** Tests only: shorter backoff for GraphQL queries and mutations. */
  retry?: Partial<RetryOptions>;
  /** Tests only: shorter schedule for the file diff (default 3 retries, 3 s, ×2, cap 30 s). */
  fileDiffRetry?: Partial<RetryOptions>;
  /** Tests only: the rate limit window (default one minute). */
  rateWindowMs?: number;
  /** Tests only: the clock of deadlines and throughput floors. */
  clock?: Clock;
}

export interface UniqueClients {
  scopes: ScopeApi;
  content: ContentApi;
  fileDiff: FileDiffClient;
  upload: UploadClient;
  /** `{ __typename }` on both GraphQL endpoints, outside the rate limit. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/**
 * One tenant's Unique clients. `apiRateLimitPerMinute` applies separately to the
 * ingestion GraphQL, scope-management GraphQL and ingestion REST (file diff) clients
 * (§11). Uploads and Zitadel token requests are not limited: every upload is paired
 * with two limited GraphQL calls, and a token is fetched once an hour.
 */
export function createUniqueClients(options: UniqueClientsOptions): UniqueClients {
  const { config, tenant } = options;
  const dispatcher = config.serviceAuthMode === 'external' ? options.dispatcher : undefined;
  const base = { dispatcher, onRequest: options.onRequest, timeouts: options.timeouts, clock: options.clock };
  const limited = { ...base, ratePerMinute: config.apiRateLimitPerMinute, rateWindowMs: options.rateWindowMs };

  const ingestionGraphqlHttp = new HttpClient({ ...limited, target: 'unique-ingestion-graphql', retry: options.retry });
  const scopeManagementHttp = new HttpClient({ ...limited, target: 'unique-scope-management-graphql', retry: options.retry });
  const ingestionRestHttp = new HttpClient({ ...limited, target: 'unique-ingestion-rest' });
  const uploadHttp = new HttpClient({ ...base, target: 'unique-upload' });
  const tokenHttp = new HttpClient({ ...base, target: 'unique-zitadel' });
  const all = [ingestionGraphqlHttp, scopeManagementHttp, ingestionRestHttp, uploadHttp, tokenHttp];

  // Unique credentials go only to the two configured services (the upload's writeUrl carries its own key, no auth).
  const auth = boundToOrigins(uniqueAuth({ tenant, config, http: tokenHttp }), [config.ingestionServiceBaseUrl, config.scopeManagementServiceBaseUrl]);
  const ingestion = new GraphqlClient({ http: ingestionGraphqlHttp, baseUrl: config.ingestionServiceBaseUrl, auth });
  const scopeManagement = new GraphqlClient({ http: scopeManagementHttp, baseUrl: config.scopeManagementServiceBaseUrl, auth });

  return {
    scopes: new ScopeApi({ ingestion, scopeManagement }),
    content: new ContentApi(ingestion),
    fileDiff: new FileDiffClient({ http: ingestionRestHttp, ingestionBaseUrl: config.ingestionServiceBaseUrl, auth, retry: options.fileDiffRetry }),
    upload: new UploadClient({ http: uploadHttp, mode: config.serviceAuthMode, ingestionBaseUrl: config.ingestionServiceBaseUrl }),
    ping: async () => {
      await Promise.all([ingestion.ping(), scopeManagement.ping()]);
    },
    close: async () => {
      await Promise.all(all.map((client) => client.close()));
    },
  };
}
