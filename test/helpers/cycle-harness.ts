/**
 * End-to-end set-up for pipeline tests: a Confluence simulator and a Unique simulator
 * over loopback, a tenant config pointing at both, the real tenant runtime (HTTP
 * clients, auth, rate limiters) with short retry timings, and a captured logger.
 * Cycles run through the same `pipeline.ts` functions the CLI calls.
 */
import type { InstanceType, TenantConfig } from '../../src/config/types.js';
import { createLogger, type Logger } from '../../src/log.js';
import { runDeletedTenantCleanup } from '../../src/deleted-tenant-cycle.js';
import { runDump, runSyncCycle, type CycleResult, type SyncCycleOptions } from '../../src/pipeline.js';
import { Secret } from '../../src/secret.js';
import { createTenantRuntime, type RuntimeTuning, type TenantRuntime } from '../../src/tenant-runtime.js';
import { startConfluenceSimulator, type ConfluenceScenario, type ConfluenceSimulator, type SimulatorOptions } from '../simulators/confluence/index.js';
import { DEFAULT_ZITADEL, startUniqueSimulator, type UniqueScenario, type UniqueSimulator } from '../simulators/unique/index.js';
import { Capture } from './capture.js';
import { isLeaseKey, leaseRequests } from './tenant-lease.js';

export const LABELS = { single: 'ai-ingest', all: 'ai-ingest-all' } as const;
export const PAT = 'pat-harness-0123456789';
export const OAUTH_CLIENT = { clientId: 'harness-client', clientSecret: 'harness-client-secret-42' };
export const ROOT_SCOPE = 'scope_root';

export interface CycleHarnessOptions {
  flavour?: InstanceType;
  confluenceAuth?: 'pat' | 'oauth';
  uniqueAuth?: 'cluster_local' | 'external';
  tenantName?: string;
  useV1KeyFormat?: boolean;
  maxItemsToScan?: number;
  concurrency?: number;
  attachments?: boolean;
  /** Image inlining: `pageIngestionConfig.htmlConfig.imageContentExtraction` with a model (needs `attachments`). */
  inlineImages?: boolean;
  confluenceOptions?: SimulatorOptions;
  uniqueScenario?: Partial<UniqueScenario>;
  /** `ingestion.restrictedPages` (default skip, as in a tenant file). */
  restrictedPages?: 'skip' | 'ingest';
  /** Edits the tenant config before the runtime is built. */
  tenant?: (config: TenantConfig) => void;
  /** Added to the harness's short retry timings (listing bounds, timeouts, a clock). */
  tuning?: RuntimeTuning;
}

export interface CycleHarness {
  confluence: ConfluenceSimulator;
  unique: UniqueSimulator;
  tenant: TenantConfig;
  logs: Capture;
  logger: Logger;
  /** A fresh runtime per cycle, as the CLI builds one per run. */
  runtime(): TenantRuntime;
  sync(options?: SyncCycleOptions): Promise<CycleResult>;
  cleanupDeleted(options?: Parameters<typeof runDeletedTenantCleanup>[1]): ReturnType<typeof runDeletedTenantCleanup>;
  dump(bodies?: boolean): Promise<Record<string, unknown>[]>;
  /** Keys of the contents Unique holds, sorted. */
  storedKeys(): string[];
  /** Unique requests that change state (mutations, uploads), for "nothing written" checks; the tenant lease left out. */
  uniqueWrites(): string[];
  /** Contents Unique deleted, oldest first; the tenant lease (released every cycle) left out. */
  contentDeletions(): ReturnType<UniqueSimulator['state']['deletions']>;
  close(): Promise<void>;
}

export async function startCycleHarness(scenario: Omit<ConfluenceScenario, 'flavour'>, options: CycleHarnessOptions = {}): Promise<CycleHarness> {
  const flavour = options.flavour ?? 'data-center';
  const confluenceAuth = options.confluenceAuth ?? (flavour === 'cloud' ? 'oauth' : 'pat');
  const uniqueAuth = options.uniqueAuth ?? 'cluster_local';
  const confluence = await startConfluenceSimulator(
    { flavour, oauthClients: [OAUTH_CLIENT], pats: flavour === 'data-center' ? [PAT] : undefined, ...scenario },
    options.confluenceOptions,
  );
  const unique = await startUniqueSimulator({
    authMode: uniqueAuth,
    scopes: [
      { id: 'scope_kb', name: 'Company KB', parentId: null },
      { id: ROOT_SCOPE, name: 'Confluence', parentId: 'scope_kb' },
    ],
    ...options.uniqueScenario,
  });
  const tenant = tenantFor(confluence, unique, { ...options, flavour, confluenceAuth, uniqueAuth });
  options.tenant?.(tenant);
  const logs = new Capture();
  const logger = createLogger({ level: 'debug', stream: logs, policy: 'disclose' });
  const env = { ...process.env, ATLASSIAN_API_BASE_URL: confluence.apiBaseUrl, PROXY_AUTH_MODE: 'none' };
  const tuning: RuntimeTuning = {
    retry: { retries: 3, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 1500 },
    fileDiffRetry: { retries: 3, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 1500 },
    // No wait between writing the tenant lease and reading it back: one process per harness.
    lease: { retryPauseMs: 5 },
    ...options.tuning,
  };
  const runtime = () => createTenantRuntime(tenant, { logger, env, tuning });
  const withRuntime = async <T>(run: (rt: TenantRuntime) => Promise<T>): Promise<T> => {
    const rt = runtime();
    try {
      return await run(rt);
    } finally {
      await rt.close();
    }
  };
  return {
    confluence,
    unique,
    tenant,
    logs,
    logger,
    runtime,
    sync: (syncOptions) => withRuntime((rt) => runSyncCycle(rt, syncOptions)),
    cleanupDeleted: (cleanupOptions) => withRuntime((rt) => runDeletedTenantCleanup(rt, cleanupOptions)),
    dump: async (bodies = true) => {
      const out = new Capture();
      await withRuntime((rt) => runDump(rt, { out, bodies }));
      return out.lines();
    },
    storedKeys: () => unique.state.contents().map((content) => content.key).sort(),
    contentDeletions: () => unique.state.deletions().filter((d) => !isLeaseKey(d.key)),
    uniqueWrites: () => {
      // The tenant lease is written and deleted by every cycle that may write: not content.
      const isLease = leaseRequests(unique);
      return unique.requests
        .filter((request) => request.method === 'PUT' || (request.operation !== undefined && WRITE_OPERATIONS.has(request.operation)))
        .filter((request) => !isLease(request))
        .map((request) => request.operation ?? `${request.method} ${request.path}`);
    },
    close: async () => {
      await Promise.all([confluence.close(), unique.close()]);
    },
  };
}

/** GraphQL root fields that change content (scope grants and marks are part of every cycle's init). */
const WRITE_OPERATIONS = new Set(['contentUpsert', 'contentDeleteByContentIds', 'deleteFolder', 'bulkMove', 'generateScopesBasedOnPaths']);

function tenantFor(
  confluence: ConfluenceSimulator,
  unique: UniqueSimulator,
  options: CycleHarnessOptions & { flavour: InstanceType; confluenceAuth: 'pat' | 'oauth'; uniqueAuth: 'cluster_local' | 'external' },
): TenantConfig {
  const common = { ingestionServiceBaseUrl: unique.ingestionBaseUrl, scopeManagementServiceBaseUrl: unique.scopeManagementBaseUrl, apiRateLimitPerMinute: 600_000 };
  const zitadel = unique.scenario.zitadel ?? DEFAULT_ZITADEL;
  return {
    name: options.tenantName ?? 'acme',
    file: `${options.tenantName ?? 'acme'}-tenant-config.yaml`,
    status: 'active',
    confluence: {
      instanceType: options.flavour,
      baseUrl: confluence.baseUrl,
      cloudId: options.flavour === 'cloud' ? confluence.cloudId : undefined,
      auth:
        options.confluenceAuth === 'pat'
          ? { mode: 'pat', token: new Secret(PAT) }
          : { mode: 'oauth_2lo', clientId: OAUTH_CLIENT.clientId, clientSecret: new Secret(OAUTH_CLIENT.clientSecret) },
      apiRateLimitPerMinute: 600_000,
      ingestSingleLabel: LABELS.single,
      ingestAllLabel: LABELS.all,
    },
    unique:
      options.uniqueAuth === 'cluster_local'
        ? { ...common, serviceAuthMode: 'cluster_local', serviceExtraHeaders: { 'x-company-id': unique.scenario.companyId, 'x-user-id': unique.scenario.serviceUserId } }
        : {
            ...common,
            serviceAuthMode: 'external',
            serviceExtraHeaders: {},
            zitadelOauthTokenUrl: unique.zitadelTokenUrl,
            zitadelProjectId: zitadel.projectId,
            zitadelClientId: zitadel.clientId,
            zitadelClientSecret: new Secret(zitadel.clientSecret),
          },
    processing: { concurrency: options.concurrency ?? 4, scanIntervalCron: '*/15 * * * *', maxItemsToScan: options.maxItemsToScan, maxPageBodyMb: 20 },
    ingestion: {
      ingestionMode: 'flat',
      scopeId: ROOT_SCOPE,
      storeInternally: true,
      useV1KeyFormat: options.useV1KeyFormat ?? false,
      attachments: {
        enabled: options.attachments ?? false,
        allowedMimeTypes: ['application/pdf', 'text/plain', 'image/png', 'image/jpeg'],
        maxFileSizeMb: 200,
        imageOcr: true,
      },
      restrictedPages: options.restrictedPages ?? 'skip',
      ...(options.inlineImages ? { pageIngestionConfig: { htmlConfig: { imageContentExtraction: { enabled: true, languageModel: 'harness-vision-model' } } } } : {}),
    },
  };
}
