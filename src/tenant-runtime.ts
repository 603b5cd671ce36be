import type { Dispatcher } from 'undici';
import { attachmentPolicy } from './attachment-policy.js';
import { ConfluenceApi } from './confluence/api.js';
import type { ListingLimits } from './confluence/listing.js';
import type { Clock } from './http/clock.js';
import type { LeaseTiming } from './unique/tenant-lease.js';
import { atlassianApiBaseUrl, confluenceAuth } from './confluence/auth.js';
import type { TenantConfig } from './config/types.js';
import { ConnectorError } from './errors.js';
import { HttpClient } from './http/client.js';
import { proxyFromEnv } from './http/proxy.js';
import type { RequestEvent, RetryOptions, Timeouts } from './http/types.js';
import { type Logger, tenantLogger } from './log.js';
import { createUniqueClients, type UniqueClients } from './unique/client.js';

/** Knobs tests turn to keep retries and waits short; production uses the defaults. */
export interface RuntimeTuning {
  retry?: Partial<RetryOptions>;
  fileDiffRetry?: Partial<RetryOptions>;
  timeouts?: Partial<Timeouts>;
  /** Window of every client-side rate limit (default 60 000 ms): tests shrink it to keep rate-limit scenarios fast. */
  rateWindowMs?: number;
  /** Bounds of every Confluence listing (pages, items, empty pages in a row): tests lower them. */
  listingLimits?: Partial<ListingLimits>;
  /** The clock of every client's deadlines and throughput floor: tests pass a manual one. */
  clock?: Clock;
  /** The tenant lease's TTL, renewal and pause after a meeting (unique/tenant-lease): tests shorten the pause. */
  lease?: Partial<LeaseTiming>;
}

export interface RuntimeOptions {
  /** The root logger; the runtime derives the tenant's child logger from it. */
  logger: Logger;
  env?: NodeJS.ProcessEnv;
  onRequest?: (event: RequestEvent) => void;
  tuning?: RuntimeTuning;
}

/** One tenant's clients, rate limiters and logger: nothing is shared between tenants. */
export interface TenantRuntime {
  tenant: TenantConfig;
  logger: Logger;
  confluence: ConfluenceApi;
  unique: UniqueClients;
  /** Overrides of the tenant lease's timing (tests only). */
  leaseTiming?: Partial<LeaseTiming>;
  close(): Promise<void>;
}

/**
 * Builds a tenant's clients. Constructing them does no I/O. Confluence and its token
 * endpoint always go through the proxy when one is configured; Unique only in
 * external mode (the Unique client factory decides that from the dispatcher given).
 */
export function createTenantRuntime(tenant: TenantConfig, options: RuntimeOptions): TenantRuntime {
  const env = options.env ?? process.env;
  const logger = tenantLogger(options.logger, tenant.name);
  const proxy: Dispatcher | undefined = proxyFromEnv(env);
  const { tuning = {} } = options;
  const timeouts = { ...timeoutsFromEnv(env), ...tuning.timeouts };
  const confluenceHttp = new HttpClient({
    target: 'confluence',
    ratePerMinute: tenant.confluence.apiRateLimitPerMinute,
    rateWindowMs: tuning.rateWindowMs,
    dispatcher: proxy,
    onRequest: options.onRequest,
    retry: tuning.retry,
    timeouts,
    clock: tuning.clock,
  });
  const apiBase = atlassianApiBaseUrl(env);
  const auth = confluenceAuth({ tenant: tenant.name, config: tenant.confluence, http: confluenceHttp, atlassianApiBaseUrl: apiBase });
  const confluence = new ConfluenceApi({
    tenant: tenant.name,
    config: tenant.confluence,
    http: confluenceHttp,
    auth,
    atlassianApiBaseUrl: apiBase,
    attachmentsEnabled: tenant.ingestion.attachments.enabled,
    logger,
    maxDownloadBytes: attachmentPolicy(tenant).maxBytes,
    listingLimits: tuning.listingLimits,
  });
  const unique = createUniqueClients({
    tenant: tenant.name,
    config: tenant.unique,
    dispatcher: proxy,
    onRequest: options.onRequest,
    retry: tuning.retry,
    fileDiffRetry: tuning.fileDiffRetry,
    timeouts,
    rateWindowMs: tuning.rateWindowMs,
    clock: tuning.clock,
  });
  warnIgnoredSettings(tenant, logger);
  return {
    tenant,
    logger,
    confluence,
    unique,
    leaseTiming: tuning.lease,
    close: async () => {
      await Promise.all([confluenceHttp.close(), unique.close()]);
      await proxy?.close();
    },
  };
}

/** Settings a tenant file may carry that the connector deliberately does not send, said once per runtime. */
function warnIgnoredSettings(tenant: TenantConfig, logger: Logger): void {
  if (tenant.unique.deprecatedIngestionConfig !== undefined) {
    logger.warn(
      { field: 'unique.ingestionConfig', replacement: 'ingestion.pageIngestionConfig' },
      'Deprecated setting unique.ingestionConfig is ignored and never sent; move page ingestion settings to ingestion.pageIngestionConfig',
    );
  }
  const extraHeaders = Object.keys(tenant.unique.serviceExtraHeaders);
  if (tenant.unique.serviceAuthMode === 'external' && extraHeaders.length > 0) {
    logger.warn({ field: 'unique.serviceExtraHeaders', headers: extraHeaders }, 'unique.serviceExtraHeaders are sent only in cluster_local mode; ignored in external mode');
  }
}

/**
 * `HTTP_HEADERS_TIMEOUT_MS` and `HTTP_BODY_TIMEOUT_MS` override the headers and
 * body-idle timeouts of every client (defaults 30 s and 60 s, contract §10/§11). Unset
 * in production; the fault benchmark shortens them so that its slow answers really
 * time out, through the real CLI.
 */
export function timeoutsFromEnv(env: NodeJS.ProcessEnv): Partial<Timeouts> {
  const timeouts: Partial<Timeouts> = {};
  const headersMs = positiveMs(env, 'HTTP_HEADERS_TIMEOUT_MS');
  const bodyIdleMs = positiveMs(env, 'HTTP_BODY_TIMEOUT_MS');
  if (headersMs !== undefined) timeouts.headersMs = headersMs;
  if (bodyIdleMs !== undefined) timeouts.bodyIdleMs = bodyIdleMs;
  return timeouts;
}

function positiveMs(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new ConnectorError('CONFIG_INVALID', `${name} must be a positive integer of milliseconds, got ${JSON.stringify(raw)}`);
  return value;
}
