/**
 * The benchmark's world: both simulators (with a fixed latency and, optionally, a
 * strict rate limit), a generated Data Center space, and a tenant file pointing at
 * them. Also the request counting that every scenario reports.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startConfluenceSimulator, type ConfluenceSimulator } from '../../test/simulators/confluence/index.js';
import { startUniqueSimulator, type UniqueSimulator } from '../../test/simulators/unique/index.js';
import { benchSpace, type BenchSpaceOptions } from './generate.js';
import { runSync, type SyncRun } from './sync-process.js';

export const BENCH_PAT = 'bench-personal-access-token';
/** "No limit": a limit no benchmark comes near. */
export const UNLIMITED = 1_000_000;

/** The environment the bench tenant file (in `dir`) reads its URLs and PAT from. */
export function benchEnv(dir: string, confluence: Pick<ConfluenceSimulator, 'baseUrl'>, unique: Pick<UniqueSimulator, 'ingestionBaseUrl' | 'scopeManagementBaseUrl'>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    TENANT_CONFIG_PATH_PATTERN: join(dir, '*-tenant-config.yaml'),
    BENCH_CONFLUENCE_URL: confluence.baseUrl,
    BENCH_CONFLUENCE_PAT: BENCH_PAT,
    BENCH_UNIQUE_INGESTION_URL: unique.ingestionBaseUrl,
    BENCH_UNIQUE_SCOPE_URL: unique.scopeManagementBaseUrl,
    LOG_LEVEL: 'info',
  };
}

export interface WorldOptions extends BenchSpaceOptions {
  pages: number;
  latencyMs: number;
  concurrency: number;
  /** The tenant's `apiRateLimitPerMinute` on each side; the simulator of that side enforces the same limit when `enforce` is set. */
  confluenceLimit?: number;
  uniqueLimit?: number;
  enforce?: boolean;
  /** The build measured (a checkout with `dist/`). */
  connectorDir: string;
  cpuProfDir?: string;
  nodeArgs?: readonly string[];
}

export interface World {
  confluence: ConfluenceSimulator;
  unique: UniqueSimulator;
  /** The environment a `sync` against this world needs (tenant files, URLs, secrets). */
  env: NodeJS.ProcessEnv;
  /** Runs one `sync` against the world. */
  sync(): Promise<SyncRun>;
  clearRequests(): void;
  close(): Promise<void>;
}

/** The bench tenant file; `bench:heap` uses it too. */
export function benchTenantYaml(options: Pick<WorldOptions, 'concurrency' | 'confluenceLimit' | 'uniqueLimit' | 'attachments' | 'bigAttachmentBytes'>): string {
  const maxFileSizeMb = Math.max(1, Math.ceil((options.bigAttachmentBytes ?? 0) / 1048576) + 1);
  return [
    'confluence:',
    '  instanceType: data-center',
    '  baseUrl: os.environ/BENCH_CONFLUENCE_URL',
    '  auth: { mode: pat, token: os.environ/BENCH_CONFLUENCE_PAT }',
    `  apiRateLimitPerMinute: ${options.confluenceLimit ?? UNLIMITED}`,
    '  ingestSingleLabel: ai-ingest',
    '  ingestAllLabel: ai-ingest-all',
    'unique:',
    '  serviceAuthMode: cluster_local',
    '  serviceExtraHeaders: { x-company-id: company_1, x-user-id: user_service }',
    '  ingestionServiceBaseUrl: os.environ/BENCH_UNIQUE_INGESTION_URL',
    '  scopeManagementServiceBaseUrl: os.environ/BENCH_UNIQUE_SCOPE_URL',
    `  apiRateLimitPerMinute: ${options.uniqueLimit ?? UNLIMITED}`,
    'processing:',
    `  concurrency: ${options.concurrency}`,
    'ingestion:',
    '  scopeId: scope_confluence',
    options.attachments === false ? '  attachments: { mode: disabled }' : `  attachments: { mode: enabled, maxFileSizeMb: ${maxFileSizeMb} }`,
    '',
  ].join('\n');
}

export async function startWorld(options: WorldOptions): Promise<World> {
  const space = benchSpace(options.pages, 42, options);
  const strictConfluence = options.enforce && options.confluenceLimit !== undefined ? { strictRateLimitPerMinute: options.confluenceLimit } : {};
  const strictUnique = options.enforce && options.uniqueLimit !== undefined ? { strictRateLimitPerMinute: options.uniqueLimit } : {};
  const confluence = await startConfluenceSimulator(
    { flavour: 'data-center', pats: [BENCH_PAT], ...space },
    { latencyMs: options.latencyMs, requestLogLimit: 1_000_000, ...strictConfluence },
  );
  const unique = await startUniqueSimulator({ authMode: 'cluster_local' }, { latencyMs: options.latencyMs, ...strictUnique });
  const dir = await mkdtemp(join(tmpdir(), 'cfc-bench-'));
  await writeFile(join(dir, 'bench-tenant-config.yaml'), benchTenantYaml(options));
  const env = benchEnv(dir, confluence, unique);
  let runs = 0;
  return {
    confluence,
    unique,
    env,
    sync: () => runSync({ connectorDir: options.connectorDir, env, statsFile: join(dir, `stats-${(runs += 1)}`), cpuProfDir: options.cpuProfDir, nodeArgs: options.nodeArgs }),
    clearRequests: () => {
      confluence.clearRequests();
      unique.clearRequests();
    },
    close: async () => {
      await Promise.all([confluence.close(), unique.close()]);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Confluence endpoints by path shape; the body search told apart from discovery. */
export function confluenceEndpoints(sim: ConfluenceSimulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of sim.requests) {
    let endpoint = request.path.replace(/\d+/g, ':id');
    if (endpoint.endsWith('/content/search')) endpoint += request.query.expand?.includes('body.storage') ? ' (bodies)' : ' (discovery)';
    counts[endpoint] = (counts[endpoint] ?? 0) + 1;
  }
  return counts;
}

/** Unique endpoints by GraphQL root field or method and path. */
export function uniqueEndpoints(sim: UniqueSimulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of sim.requests) {
    const endpoint = request.operation ?? `${request.method} ${request.path.replace(/\?.*/, '')}`;
    counts[endpoint] = (counts[endpoint] ?? 0) + 1;
  }
  return counts;
}

/** First to last request either simulator saw, in ms. */
export function requestSpanMs(world: World): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const request of [...world.confluence.requests, ...world.unique.requests]) {
    first = Math.min(first, request.at);
    last = Math.max(last, request.at);
  }
  return last >= first ? last - first : 0;
}

/** Unique requests that count against `apiRateLimitPerMinute` (GraphQL and file-diff; uploads and tokens do not). */
export function uniqueLimitedRequests(sim: UniqueSimulator): number {
  return sim.requests.filter((r) => r.path.endsWith('/graphql') || r.path.endsWith('/file-diff')).length;
}

export function throttled(world: World): { confluence: number; unique: number } {
  return {
    confluence: world.confluence.requests.filter((r) => r.status === 429).length,
    unique: world.unique.requests.filter((r) => r.status === 429).length,
  };
}

export const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
