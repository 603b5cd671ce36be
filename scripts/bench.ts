/**
 * `npm run bench`: the real CLI `sync` in a child process against the Confluence (Data
 * Center) and Unique simulators, both answering with a fixed latency. Prints a JSON
 * report, then each figure next to its target.
 *
 * Scenarios (`--scenario`, default first-sync; `all` runs every one):
 *   first-sync      N pages (default 2000) with ~10 % carrying a small attachment: first
 *                   sync (first to last request against the latency floor, peak RSS, CPU
 *                   per item, requests per page), then a no-change sync
 *   rate-limited    100 pages with both sides at 600/min (simulators enforcing it) against
 *                   the same without limits
 *   sustained       500 pages with Unique at 1200/min, its simulator enforcing the same
 *                   limit over a sliding window
 *   big-attachment  50 pages with and without one 500 MB attachment, peak RSS delta, 3 runs
 *
 * Flags: --pages N --latency MS (10) --concurrency N (8) --limit N (per minute)
 *        --big-attachment MB (first-sync: add it; big-attachment: its size) --runs N
 *        --connector DIR: measure the build of another checkout (its dist/), same scenario
 *        --compare DIR: first syncs of this build and of DIR's build in turns, --runs rounds
 *                  (default 3): medians of each and of the round-by-round ratios
 *        --cpu-prof DIR: write a V8 CPU profile of each sync process there
 *        --node-args 'FLAGS': more node flags for each sync process (e.g. '--trace-gc')
 *        --faults: the fault soak instead (scripts/bench/faults.ts; its flags are there).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareFirstSync } from './bench/compare.js';
import { printFigures } from './bench/figures.js';
import { bigAttachment, firstSync, rateLimited, sustained, type Common, type ScenarioResult } from './bench/scenarios.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const SCENARIOS = ['first-sync', 'rate-limited', 'sustained', 'big-attachment'] as const;
type Scenario = (typeof SCENARIOS)[number];

const parsed = parseArgs({
  strict: !process.argv.includes('--faults'),
  options: {
    scenario: { type: 'string', default: 'first-sync' },
    pages: { type: 'string' },
    latency: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '8' },
    limit: { type: 'string' },
    'big-attachment': { type: 'string' },
    runs: { type: 'string', default: '3' },
    connector: { type: 'string' },
    compare: { type: 'string' },
    'cpu-prof': { type: 'string' },
    'node-args': { type: 'string' },
  },
});
// Not strict while --faults passes the soak's own flags through, so every value is read as text.
const values = parsed.values as Record<string, string | undefined>;

const number = (raw: string | undefined): number | undefined => (raw === undefined ? undefined : Number(raw));

async function run(scenario: Scenario, common: Common): Promise<ScenarioResult> {
  const pages = number(values.pages);
  const limit = number(values.limit);
  const bigMb = number(values['big-attachment']);
  switch (scenario) {
    case 'first-sync':
      return firstSync(common, pages ?? 2000, Math.round((bigMb ?? 0) * 1048576));
    case 'rate-limited':
      return rateLimited(common, pages ?? 100, limit ?? 600);
    case 'sustained':
      return sustained(common, pages ?? 500, limit ?? 1200);
    case 'big-attachment':
      return bigAttachment(common, pages ?? 50, bigMb ?? 500, number(values.runs) ?? 3);
  }
}

async function main(): Promise<void> {
  const chosen = (values.scenario ?? 'first-sync') === 'all' ? [...SCENARIOS] : [(values.scenario ?? 'first-sync') as Scenario];
  if (!chosen.every((scenario) => SCENARIOS.includes(scenario))) throw new Error(`--scenario must be one of ${SCENARIOS.join(', ')} or all`);
  const common: Common = {
    latencyMs: Number(values.latency),
    concurrency: Number(values.concurrency),
    connectorDir: values.connector === undefined ? root : resolve(values.connector),
    cpuProfDir: values['cpu-prof'] === undefined ? undefined : resolve(values['cpu-prof']),
    nodeArgs: values['node-args']?.split(/\s+/).filter((arg) => arg !== ''),
  };
  const results: [Scenario, ScenarioResult][] = [];
  for (const scenario of chosen) results.push([scenario, await run(scenario, common)]);
  console.log(JSON.stringify({ connector: common.connectorDir, ...Object.fromEntries(results.map(([name, result]) => [name, result.report])) }, null, 2));
  for (const [name, result] of results) printFigures(name, result.figures);
  if (results.some(([, result]) => result.failed)) process.exitCode = 1;
}

async function compare(): Promise<void> {
  const common: Common = {
    latencyMs: Number(values.latency),
    concurrency: Number(values.concurrency),
    connectorDir: values.connector === undefined ? root : resolve(values.connector),
    nodeArgs: values['node-args']?.split(/\s+/).filter((arg) => arg !== ''),
  };
  const result = await compareFirstSync(common, resolve(values.compare!), number(values.pages) ?? 2000, number(values.runs) ?? 3);
  console.log(JSON.stringify({ connector: common.connectorDir, compare: result.report }, null, 2));
  printFigures(`first-sync, ${common.connectorDir} against ${resolve(values.compare!)}`, result.figures);
}

const entry = process.argv.includes('--faults')
  ? () => import('./bench/faults.js').then((faults) => faults.runFaultSoak())
  : values.compare !== undefined
    ? compare
    : main;
entry().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
