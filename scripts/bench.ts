/**
 * `npm run bench`: syncs a generated Data Center space of N pages (default 2000) from
 * the Confluence simulator into the Unique simulator, both answering with a fixed
 * latency, running the real CLI `sync` in a child process. Prints JSON: wall time,
 * requests by target and endpoint, requests per ingested page, peak RSS of the sync
 * process, and the requests of a second, no-change sync.
 *
 * Flags: --pages N (2000) --latency MS (10) --concurrency N (8)
 *        --big-attachment MB: attachments on, plus one attachment of MB megabytes on the
 *        root page (0: attachments on, no big file, the baseline to compare RSS with).
 *        --faults: the fault soak instead (scripts/bench/faults.ts; its flags are there).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startConfluenceSimulator, type ConfluenceSimulator } from '../test/simulators/confluence/index.js';
import { startUniqueSimulator, type UniqueSimulator } from '../test/simulators/unique/index.js';
import { generatedSha256 } from '../test/simulators/confluence/index.js';
import { BIG_ATTACHMENT_ID, benchSpace } from './bench/generate.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PAT = 'bench-personal-access-token';

const { values } = parseArgs({
  strict: !process.argv.includes('--faults'),
  options: {
    pages: { type: 'string', default: '2000' },
    latency: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    'big-attachment': { type: 'string' },
  },
});
const pages = Number(values.pages);
const latencyMs = Number(values.latency);
const concurrency = Number(values.concurrency);
const bigAttachmentMb = values['big-attachment'] === undefined ? undefined : Number(values['big-attachment']);
const bigAttachmentBytes = Math.round((bigAttachmentMb ?? 0) * 1024 * 1024);

function tenantYaml(): string {
  return [
    'confluence:',
    '  instanceType: data-center',
    '  baseUrl: os.environ/BENCH_CONFLUENCE_URL',
    '  auth: { mode: pat, token: os.environ/BENCH_CONFLUENCE_PAT }',
    '  apiRateLimitPerMinute: 1000000',
    '  ingestSingleLabel: ai-ingest',
    '  ingestAllLabel: ai-ingest-all',
    'unique:',
    '  serviceAuthMode: cluster_local',
    '  serviceExtraHeaders: { x-company-id: company_1, x-user-id: user_service }',
    '  ingestionServiceBaseUrl: os.environ/BENCH_UNIQUE_INGESTION_URL',
    '  scopeManagementServiceBaseUrl: os.environ/BENCH_UNIQUE_SCOPE_URL',
    '  apiRateLimitPerMinute: 1000000',
    'processing:',
    `  concurrency: ${concurrency}`,
    'ingestion:',
    '  scopeId: scope_confluence',
    bigAttachmentMb === undefined
      ? '  attachments: { mode: disabled }'
      : `  attachments: { mode: enabled, maxFileSizeMb: ${Math.max(1, Math.ceil(bigAttachmentMb) + 1)} }`,
    '',
  ].join('\n');
}

interface SyncRun {
  code: number;
  wallMs: number;
  peakRssMb: number;
  summary: Record<string, unknown> | undefined;
}

async function runSync(env: NodeJS.ProcessEnv, rssFile: string): Promise<SyncRun> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', './scripts/bench/rss-preload.mjs', 'dist/cli.js', 'sync'], {
    cwd: root,
    env: { ...env, BENCH_RSS_FILE: rssFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let summary: Record<string, unknown> | undefined;
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.includes('Sync cycle finished')) continue;
      summary = JSON.parse(line) as Record<string, unknown>;
    }
  });
  const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? 1)));
  const peakRssKb = Number(await readFile(rssFile, 'utf8'));
  return { code, wallMs: Date.now() - started, peakRssMb: Math.round(peakRssKb / 102.4) / 10, summary };
}

/** Confluence endpoints by path shape; Unique ones by GraphQL root field or path. */
function confluenceEndpoints(sim: ConfluenceSimulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of sim.requests) {
    let endpoint = request.path.replace(/\d+/g, ':id');
    if (endpoint.endsWith('/content/search')) endpoint += request.query.expand?.includes('body.storage') ? ' (bodies)' : ' (discovery)';
    counts[endpoint] = (counts[endpoint] ?? 0) + 1;
  }
  return counts;
}

function uniqueEndpoints(sim: UniqueSimulator): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const request of sim.requests) {
    const endpoint = request.operation ?? `${request.method} ${request.path.replace(/\?.*/, '')}`;
    counts[endpoint] = (counts[endpoint] ?? 0) + 1;
  }
  return counts;
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

async function main(): Promise<void> {
  const space = benchSpace(pages, 42, { bigAttachmentBytes });
  const confluence = await startConfluenceSimulator({ flavour: 'data-center', pats: [PAT], ...space }, { latencyMs, requestLogLimit: 1_000_000 });
  const unique = await startUniqueSimulator({ authMode: 'cluster_local' }, { latencyMs });
  const dir = await mkdtemp(join(tmpdir(), 'cfc-bench-'));
  try {
    await writeFile(join(dir, 'bench-tenant-config.yaml'), tenantYaml());
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TENANT_CONFIG_PATH_PATTERN: join(dir, '*-tenant-config.yaml'),
      BENCH_CONFLUENCE_URL: confluence.baseUrl,
      BENCH_CONFLUENCE_PAT: PAT,
      BENCH_UNIQUE_INGESTION_URL: unique.ingestionBaseUrl,
      BENCH_UNIQUE_SCOPE_URL: unique.scopeManagementBaseUrl,
      LOG_LEVEL: 'info',
    };
    const first = await runSync(env, join(dir, 'rss-1'));
    const confluenceFirst = confluenceEndpoints(confluence);
    const uniqueFirst = uniqueEndpoints(unique);
    confluence.clearRequests();
    unique.clearRequests();
    const second = await runSync(env, join(dir, 'rss-2'));
    const confluenceSecond = confluenceEndpoints(confluence);
    const uniqueSecond = uniqueEndpoints(unique);
    const ingested = Number(first.summary?.ingested ?? 0);
    const perPage = (n: number) => (ingested > 0 ? Math.round((n / ingested) * 1000) / 1000 : null);
    const big = bigAttachmentBytes > 0 ? unique.state.contents().find((content) => content.key.endsWith(`::${BIG_ATTACHMENT_ID}`)) : undefined;
    const attachmentPhaseMs = Number((first.summary?.phasesMs as Record<string, number> | undefined)?.['ingest-attachments'] ?? 0);
    const report = {
      pages,
      latencyMs,
      concurrency,
      bigAttachment:
        bigAttachmentMb === undefined
          ? undefined
          : {
              mb: bigAttachmentMb,
              stored: big !== undefined,
              bytesMatch: big?.uploaded?.sha256 === generatedSha256(BIG_ATTACHMENT_ID, bigAttachmentBytes),
              ingestAttachmentsPhaseMs: attachmentPhaseMs,
              mbPerSecond: bigAttachmentBytes > 0 && attachmentPhaseMs > 0 ? Math.round((bigAttachmentBytes / 1048576 / (attachmentPhaseMs / 1000)) * 10) / 10 : null,
            },
      firstSync: {
        exitCode: first.code,
        wallMs: first.wallMs,
        peakRssMb: first.peakRssMb,
        ingested,
        failed: first.summary?.failed,
        phasesMs: first.summary?.phasesMs,
        requests: { confluence: confluenceFirst, unique: uniqueFirst },
        confluenceRequestsPerIngestedPage: perPage(sum(confluenceFirst)),
        totalRequestsPerIngestedPage: perPage(sum(confluenceFirst) + sum(uniqueFirst)),
      },
      noChangeSync: {
        exitCode: second.code,
        wallMs: second.wallMs,
        peakRssMb: second.peakRssMb,
        ingested: second.summary?.ingested,
        requests: { confluence: confluenceSecond, unique: uniqueSecond },
        bodyFetches: confluenceSecond['/rest/api/content/search (bodies)'] ?? 0,
        uploads: Object.entries(uniqueSecond).filter(([endpoint]) => endpoint.startsWith('PUT')).reduce((n, [, c]) => n + c, 0),
      },
      targets: {
        confluenceRequestsPerIngestedPage: '<= 0.1',
        totalRequestsPerIngestedPage: '<= 3.2',
        noChangeSync: 'no body fetch, no upload',
        peakRssMb: '<= 150',
        bigAttachment: 'peak RSS <= baseline (--big-attachment 0) + 30 MB; >= 100 MB/s',
      },
    };
    console.log(JSON.stringify(report, null, 2));
    if (first.code !== 0 || second.code !== 0) process.exitCode = 1;
  } finally {
    await Promise.all([confluence.close(), unique.close()]);
    await rm(dir, { recursive: true, force: true });
  }
}

const run = process.argv.includes('--faults') ? () => import('./bench/faults.js').then((faults) => faults.runFaultSoak()) : main;
run().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
