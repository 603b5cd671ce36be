/**
 * Shared set-up for the Unique client and scope-sink tests: a simulator, a tenant
 * config pointing at it, the real clients with tiny retry timings, and a logger
 * whose records the tests can read. Not a test file itself.
 */
import { Writable } from 'node:stream';
import type { Test } from 'tap';
import type { InstanceType, TenantConfig } from '../../../src/config/types.js';
import { createLogger, type Logger } from '../../../src/log.js';
import { Secret } from '../../../src/secret.js';
import { createUniqueClients, type UniqueClients, type UniqueClientsOptions } from '../../../src/unique/client.js';
import type { ScopeFlowContext } from '../../../src/sinks/unique-scopes/context.js';
import { DEFAULT_ZITADEL, startUniqueSimulator, type SimulatorOptions, type UniqueScenario, type UniqueSimulator } from '../../simulators/unique/index.js';

export type AuthMode = 'cluster_local' | 'external';
export const AUTH_MODES: AuthMode[] = ['cluster_local', 'external'];
export const CLOUD_ID = 'cloud-3f9e';

export interface SetupOptions {
  scenario?: Partial<UniqueScenario>;
  /** The simulator's own options (latency, rate limit, faults' seed). */
  simulator?: SimulatorOptions;
  tenantName?: string;
  rootScopeId?: string;
  instanceType?: InstanceType;
  useV1KeyFormat?: boolean;
  /** Default: high enough that the limiter's spacing (window / limit) costs the tests nothing. */
  rateLimitPerMinute?: number;
  clients?: Partial<UniqueClientsOptions>;
}

export interface Setup {
  sim: UniqueSimulator;
  clients: UniqueClients;
  tenant: TenantConfig;
  ctx: ScopeFlowContext;
  logs: Array<Record<string, unknown>>;
  /** GraphQL root fields (operation) of the logged requests, in order, optionally only mutations of interest. */
  operations(): string[];
}

export function tenantConfig(sim: UniqueSimulator, authMode: AuthMode, options: SetupOptions = {}): TenantConfig {
  const common = {
    ingestionServiceBaseUrl: sim.ingestionBaseUrl,
    scopeManagementServiceBaseUrl: sim.scopeManagementBaseUrl,
    apiRateLimitPerMinute: options.rateLimitPerMinute ?? 600_000,
  };
  const unique: TenantConfig['unique'] =
    authMode === 'cluster_local'
      ? { ...common, serviceAuthMode: 'cluster_local', serviceExtraHeaders: { 'x-company-id': sim.scenario.companyId, 'x-user-id': sim.scenario.serviceUserId } }
      : {
          ...common,
          serviceAuthMode: 'external',
          serviceExtraHeaders: {},
          zitadelOauthTokenUrl: sim.zitadelTokenUrl,
          zitadelProjectId: sim.scenario.zitadel?.projectId ?? DEFAULT_ZITADEL.projectId,
          zitadelClientId: sim.scenario.zitadel?.clientId ?? DEFAULT_ZITADEL.clientId,
          zitadelClientSecret: new Secret(sim.scenario.zitadel?.clientSecret ?? DEFAULT_ZITADEL.clientSecret),
        };
  const instanceType = options.instanceType ?? 'cloud';
  const name = options.tenantName ?? 'acme';
  return {
    name,
    file: `${name}-tenant-config.yaml`,
    status: 'active',
    confluence: {
      instanceType,
      baseUrl: 'https://acme.atlassian.net',
      ...(instanceType === 'cloud' ? { cloudId: CLOUD_ID } : {}),
      auth: { mode: 'pat', token: new Secret('confluence-pat-value') },
      apiRateLimitPerMinute: 1000,
      ingestSingleLabel: 'ai-ingest',
      ingestAllLabel: 'ai-ingest-all',
    },
    unique,
    processing: { concurrency: 1, scanIntervalCron: '*/15 * * * *', maxPageBodyMb: 20 },
    ingestion: {
      ingestionMode: 'flat',
      scopeId: options.rootScopeId ?? 'scope_confluence',
      storeInternally: true,
      useV1KeyFormat: options.useV1KeyFormat ?? false,
      attachments: { enabled: true, allowedMimeTypes: ['application/pdf'], maxFileSizeMb: 10, imageOcr: true },
      restrictedPages: 'skip',
    },
  };
}

export function captureLogger(records: Array<Record<string, unknown>>): Logger {
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim() !== '') records.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  return createLogger({ level: 'debug', stream, policy: 'disclose' }).child({ tenant: 'acme' });
}

export async function setup(t: Test, authMode: AuthMode, options: SetupOptions = {}): Promise<Setup> {
  const sim = await startUniqueSimulator({ authMode, ...options.scenario }, options.simulator);
  const tenant = tenantConfig(sim, authMode, options);
  const clients = createUniqueClients({
    tenant: tenant.name,
    config: tenant.unique,
    retry: { retries: 2, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 50 },
    fileDiffRetry: { minTimeoutMs: 5, maxTimeoutMs: 2_000 },
    ...options.clients,
  });
  const logs: Array<Record<string, unknown>> = [];
  t.teardown(async () => {
    await clients.close();
    await sim.close();
  });
  return {
    sim,
    clients,
    tenant,
    ctx: { clients, tenant, log: captureLogger(logs) },
    logs,
    operations: () => sim.requests.filter((entry) => entry.operation !== undefined).map((entry) => entry.operation!),
  };
}
