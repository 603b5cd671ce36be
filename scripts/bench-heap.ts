/**
 * `npm run bench:heap`: memory bounded by design, proven under the image's heap cap
 * (issue 10, finding 4). The real CLI `sync` runs in a child process with
 * `node --max-old-space-size=768` (the Dockerfile's cap) against a Data Center space
 * of pages with huge storage bodies, and reports for each variant the exit code (or
 * the signal of an out-of-memory abort), the peak RSS (VmHWM) and the cycle summary.
 *
 *   big     6 pages of 50 MB bodies: over the default maxPageBodyMb (20), so each is
 *           skipped with a warning; before the limit this aborted out of memory
 *   within  6 pages of 19 MB bodies: just within the limit, so all six are converted
 *           and ingested, batches split by bytes
 *
 * Flags: --variant big|within|all (all) --pages N (6) --page-mb MB (per variant)
 *        --heap MB (768) --connector DIR (measure another checkout's dist/, e.g. main)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startConfluenceSimulator } from '../test/simulators/confluence/index.js';
import type { ScenarioContent } from '../test/simulators/confluence/types.js';
import { startUniqueSimulator } from '../test/simulators/unique/index.js';
import { onLogLines } from './bench/sync-process.js';
import { BENCH_PAT, benchEnv, benchTenantYaml } from './bench/world.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PRELOAD = fileURLToPath(new URL('./bench/stats-preload.mjs', import.meta.url));
const VARIANTS = { big: 50, within: 19 } as const;
type Variant = keyof typeof VARIANTS;

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'all' },
    pages: { type: 'string', default: '6' },
    'page-mb': { type: 'string' },
    heap: { type: 'string', default: '768' },
    connector: { type: 'string' },
  },
});

/** Storage format of about `bytes` bytes: paragraphs with inline markup, as a long real page has. */
function storageBody(id: string, bytes: number): string {
  const paragraph = `<p>Page ${id}: the <strong>quarterly</strong> figures, <em>reviewed</em> and <a href="https://example.com/x">linked</a>; lorem ipsum dolor sit amet.</p>`;
  return paragraph.repeat(Math.ceil(bytes / paragraph.length));
}

interface HeapRun {
  variant: Variant;
  pages: number;
  pageMb: number;
  heapMb: number;
  exitCode: number | null;
  signal: string | null;
  /** VmHWM of the sync process (at an abort: the last one read from outside, every 50 ms). */
  peakRssMb?: number;
  outcome?: unknown;
  ingested?: unknown;
  skipped?: unknown;
  failed?: unknown;
  /** The last lines of stderr: V8's "heap out of memory" report when it aborted. */
  stderrTail?: string;
  wallMs: number;
}

async function runVariant(variant: Variant, connectorDir: string): Promise<HeapRun> {
  const pages = Number(values.pages);
  const pageMb = values['page-mb'] === undefined ? VARIANTS[variant] : Number(values['page-mb']);
  const heapMb = Number(values.heap);
  const content: ScenarioContent[] = Array.from({ length: pages }, (_, i) => {
    const id = String(90001 + i);
    return { id, type: 'page', title: `Huge page ${id}`, spaceKey: 'BIG', version: { number: 1, when: '2026-01-05T08:00:00.000Z' }, labels: ['ai-ingest'], body: storageBody(id, pageMb * 1048576) };
  });
  const confluence = await startConfluenceSimulator({ flavour: 'data-center', pats: [BENCH_PAT], spaces: [{ id: 9001, key: 'BIG', name: 'Big pages', type: 'global' }], content });
  // The bench process holds the uploaded bodies only as hashes.
  const unique = await startUniqueSimulator({ authMode: 'cluster_local' }, { keepBytesUpTo: 0 });
  const dir = await mkdtemp(join(tmpdir(), 'cfc-bench-heap-'));
  await writeFile(join(dir, 'bench-tenant-config.yaml'), benchTenantYaml({ concurrency: 2, attachments: false }));
  const statsFile = join(dir, 'stats');
  const env: NodeJS.ProcessEnv = { ...benchEnv(dir, confluence, unique), BENCH_STATS_FILE: statsFile };
  const started = Date.now();
  const child = spawn(process.execPath, [`--max-old-space-size=${heapMb}`, '--import', PRELOAD, join(connectorDir, 'dist/cli.js'), 'sync'], { cwd: connectorDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let summary: Record<string, unknown> | undefined;
  onLogLines(child.stdout, (line) => {
    if (line.includes('"Sync cycle finished"') || line.includes('"Sync cycle failed"')) summary = JSON.parse(line) as Record<string, unknown>;
  });
  // Read from outside too: an aborted process never writes its own figures.
  let watchedHwmKb = 0;
  const watch = setInterval(() => {
    try {
      const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (match) watchedHwmKb = Math.max(watchedHwmKb, Number(match[1]));
    } catch {
      // Gone already, or not Linux.
    }
  }, 50);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const [exitCode, signal] = await new Promise<[number | null, string | null]>((done) => child.on('close', (code, sig) => done([code, sig])));
  clearInterval(watch);
  const wallMs = Date.now() - started;
  let peakRssMb: number | undefined = watchedHwmKb > 0 ? Math.round(watchedHwmKb / 102.4) / 10 : undefined;
  try {
    const stats = JSON.parse(await readFile(statsFile, 'utf8')) as { peakRssKb: number };
    peakRssMb = Math.round(stats.peakRssKb / 102.4) / 10;
  } catch {
    // An out-of-memory abort ends the process before its exit handler writes the figures:
    // the last VmHWM read from outside (sampled every 50 ms) stands in.
  }
  await Promise.all([confluence.close(), unique.close()]);
  await rm(dir, { recursive: true, force: true });
  const aborted = exitCode !== 0;
  return {
    variant,
    pages,
    pageMb,
    heapMb,
    exitCode,
    signal,
    ...(peakRssMb === undefined ? {} : { peakRssMb }),
    ...(summary ? { outcome: summary.outcome, ingested: summary.ingested, skipped: summary.skipped, failed: summary.failed } : {}),
    ...(aborted ? { stderrTail: stderr.split('\n').filter((line) => line.trim() !== '').slice(-6).join('\n') } : {}),
    wallMs,
  };
}

async function main(): Promise<void> {
  const chosen: Variant[] = values.variant === 'all' ? ['big', 'within'] : [values.variant as Variant];
  if (!chosen.every((variant) => variant in VARIANTS)) throw new Error('--variant must be big, within or all');
  const connectorDir = values.connector === undefined ? root : resolve(values.connector);
  const runs: HeapRun[] = [];
  for (const variant of chosen) {
    const run = await runVariant(variant, connectorDir);
    runs.push(run);
    process.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
  }
  for (const run of runs) {
    const result = run.exitCode === 0 ? `exit 0, peak RSS ${run.peakRssMb} MB, ${String(run.outcome)}: ${String(run.ingested)} ingested, ${String(run.skipped)} skipped` : `FAILED: exit ${run.exitCode} signal ${run.signal}${run.peakRssMb === undefined ? '' : `, peak RSS ${run.peakRssMb} MB`}`;
    process.stdout.write(`${run.variant}: ${run.pages} pages x ${run.pageMb} MB under --max-old-space-size=${run.heapMb}: ${result}\n`);
  }
  process.exitCode = runs.every((run) => run.exitCode === 0) ? 0 : 1;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
