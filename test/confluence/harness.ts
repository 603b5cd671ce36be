/**
 * Shared set-up for the Confluence client and discovery tests: a simulator, a
 * tenant config pointing at it, the real HTTP client with tiny retry timings, the
 * real auth provider and a ConfluenceApi. Not a test file itself (tap reports it as
 * "no tests found").
 */
import { ConfluenceApi } from '../../src/confluence/api.js';
import { confluenceAuth } from '../../src/confluence/auth.js';
import type { ListingLimits } from '../../src/confluence/listing.js';
import type { TenantConfig } from '../../src/config/types.js';
import { HttpClient } from '../../src/http/client.js';
import type { Logger } from '../../src/log.js';
import { Secret } from '../../src/secret.js';
import { capturedLogger, type Capture } from '../helpers/capture.js';
import { startConfluenceSimulator, type ConfluenceScenario, type ConfluenceSimulator, type SimulatorOptions } from '../simulators/confluence/index.js';

export const LABELS = { single: 'ai-ingest', all: 'ai-ingest-all' } as const;
export const PAT = 'pat-0123456789abcdef';
export const CLIENT = { clientId: 'svc-connector', clientSecret: 'svc-secret-0123456789' };
export const WHEN = '2025-03-04T09:12:44.123Z';

export interface Harness {
  sim: ConfluenceSimulator;
  api: ConfluenceApi;
  http: HttpClient;
  config: TenantConfig;
  logger: Logger;
  logs: Capture;
  /** Requests to the main server other than token requests. */
  apiRequests(): ConfluenceSimulator['requests'];
  close(): Promise<void>;
}

export interface HarnessOptions {
  auth?: 'pat' | 'oauth';
  attachments?: boolean;
  maxItemsToScan?: number;
  maxPages?: number;
  listingLimits?: Partial<ListingLimits>;
  /** `maxFileSizeMb` of the tenant (default 10): the download cap. */
  maxFileSizeMb?: number;
  sim?: SimulatorOptions;
}

export async function startHarness(scenario: ConfluenceScenario, options: HarnessOptions = {}): Promise<Harness> {
  const cloud = scenario.flavour === 'cloud';
  const authMode = options.auth ?? (cloud ? 'oauth' : 'pat');
  const sim = await startConfluenceSimulator(
    { ...scenario, oauthClients: scenario.oauthClients ?? [CLIENT], pats: cloud ? undefined : (scenario.pats ?? [PAT]) },
    options.sim,
  );
  const config: TenantConfig = {
    name: 'acme',
    file: 'acme-tenant-config.yaml',
    status: 'active',
    confluence: {
      instanceType: scenario.flavour,
      baseUrl: sim.baseUrl,
      cloudId: cloud ? sim.cloudId : undefined,
      auth: authMode === 'pat' ? { mode: 'pat', token: new Secret(PAT) } : { mode: 'oauth_2lo', clientId: CLIENT.clientId, clientSecret: new Secret(CLIENT.clientSecret) },
      apiRateLimitPerMinute: 6000,
      ingestSingleLabel: LABELS.single,
      ingestAllLabel: LABELS.all,
    },
    unique: {
      serviceAuthMode: 'cluster_local',
      ingestionServiceBaseUrl: 'http://127.0.0.1:9',
      scopeManagementServiceBaseUrl: 'http://127.0.0.1:9',
      apiRateLimitPerMinute: 6000,
      serviceExtraHeaders: {},
    },
    processing: { concurrency: 2, scanIntervalCron: '*/15 * * * *', maxItemsToScan: options.maxItemsToScan, maxPageBodyMb: 20 },
    ingestion: {
      ingestionMode: 'flat',
      scopeId: 'scope_root',
      storeInternally: true,
      useV1KeyFormat: false,
      attachments: { enabled: options.attachments ?? true, allowedMimeTypes: ['application/pdf', 'image/png'], maxFileSizeMb: options.maxFileSizeMb ?? 10, imageOcr: false },
      restrictedPages: 'skip',
    },
  };
  // Retry-After is honoured up to maxTimeoutMs; backoff without it stays in milliseconds.
  const http = new HttpClient({ target: 'confluence', retry: { retries: 3, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 1500 } });
  const atlassianApiBaseUrl = sim.apiBaseUrl;
  const auth = confluenceAuth({ tenant: config.name, config: config.confluence, http, atlassianApiBaseUrl });
  const { logger, output } = capturedLogger('debug');
  const api = new ConfluenceApi({
    tenant: config.name,
    config: config.confluence,
    http,
    auth,
    atlassianApiBaseUrl,
    attachmentsEnabled: config.ingestion.attachments.enabled,
    logger,
    maxPages: options.maxPages,
    listingLimits: options.listingLimits,
    maxDownloadBytes: Math.floor(config.ingestion.attachments.maxFileSizeMb * 1024 * 1024),
  });
  return {
    sim,
    api,
    http,
    config,
    logger,
    logs: output,
    apiRequests: () => sim.requests.filter((r) => r.server === 'main' && !/\/(oauth\/token|oauth2\/latest\/token)$/.test(r.path)),
    async close() {
      await http.close();
      await sim.close();
    },
  };
}

/** Collects an async generator into an array. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** `count` pages with consecutive ids from `firstId`, all in space ENG, each carrying `labels`. */
export function manyPages(count: number, firstId: number, extra: { labels?: string[]; parentId?: string; spaceKey?: string } = {}) {
  return Array.from({ length: count }, (_, i) => ({
    id: String(firstId + i),
    type: 'page',
    title: `Page ${firstId + i}`,
    spaceKey: extra.spaceKey ?? 'ENG',
    parentId: extra.parentId,
    version: { number: 1, when: WHEN },
    labels: extra.labels,
    body: `<p>Body of ${firstId + i}</p>`,
  }));
}

export const SPACES = [
  { id: 98305, key: 'ENG', name: 'Engineering', type: 'global' as const },
  { id: 98306, key: 'OPS', name: 'Operations', type: 'global' as const },
];
