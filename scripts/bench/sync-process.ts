/**
 * One `sync` of the real CLI in a child process, measured from outside: wall time, peak
 * RSS and CPU time (user + sys) of that process, and its cycle summary line. The
 * checkout measured is `connectorDir` (its `dist/` must be built), so one benchmark
 * script can measure two builds side by side under the same scenario.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PRELOAD = fileURLToPath(new URL('./stats-preload.mjs', import.meta.url));

/** Calls `each` with every whole line the child writes to `out` (its bunyan log). */
export function onLogLines(out: NodeJS.ReadableStream, each: (line: string) => void): void {
  let buffered = '';
  out.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) each(line);
  });
}

export interface SyncRun {
  code: number;
  wallMs: number;
  peakRssMb: number;
  /** User + system CPU time of the sync process. */
  cpuMs: number;
  /** Of which system (kernel) time. */
  sysMs: number;
  summary: Record<string, unknown> | undefined;
}

export interface SyncProcessOptions {
  connectorDir: string;
  env: NodeJS.ProcessEnv;
  /** Where the preload writes its figures. */
  statsFile: string;
  /** Directory for a V8 CPU profile of the sync process (`node --cpu-prof`). */
  cpuProfDir?: string;
  /** More `node` flags for the sync process (e.g. `--trace-gc`). */
  nodeArgs?: readonly string[];
}

export async function runSync(options: SyncProcessOptions): Promise<SyncRun> {
  const { connectorDir, env, statsFile, cpuProfDir, nodeArgs = [] } = options;
  const started = Date.now();
  const profile = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
  const child = spawn(process.execPath, [...profile, ...nodeArgs, '--import', PRELOAD, join(connectorDir, 'dist/cli.js'), 'sync'], {
    cwd: connectorDir,
    env: { ...env, BENCH_STATS_FILE: statsFile },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let summary: Record<string, unknown> | undefined;
  onLogLines(child.stdout!, (line) => {
    if (line.includes('Sync cycle finished')) summary = JSON.parse(line) as Record<string, unknown>;
  });
  const code = await new Promise<number>((resolve) => child.on('close', (exit) => resolve(exit ?? 1)));
  const wallMs = Date.now() - started;
  const stats = JSON.parse(await readFile(statsFile, 'utf8')) as { peakRssKb: number; userUs: number; systemUs: number };
  return { code, wallMs, peakRssMb: Math.round(stats.peakRssKb / 102.4) / 10, cpuMs: Math.round((stats.userUs + stats.systemUs) / 1000), sysMs: Math.round(stats.systemUs / 1000), summary };
}
