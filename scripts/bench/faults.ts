/**
 * `npm run bench -- --faults`: the full-size fault soak. 500 pages with attachments over
 * three spaces (test/reliability/soak-helpers.ts), both simulators injecting 10 % 5xx,
 * 5 % 429 with Retry-After, 2 % connection resets and 1 % responses slower than the
 * client's timeouts at once, OAuth on both sides (the DC token endpoint of the
 * Confluence simulator, Zitadel on Unique) with every token expired every 20 s. Each
 * cycle is the real CLI `sync` in a child process, with the production retry policy and
 * shortened HTTP timeouts (HTTP_HEADERS_TIMEOUT_MS / HTTP_BODY_TIMEOUT_MS). Cycles run
 * until two in a row change nothing, at most --max-cycles or --max-minutes.
 *
 * Prints JSON: cycles needed, requests per target (soak and a fault-free run of the
 * same scenario), every cycle's outcome, and the invariant results. Exits 1 when the
 * soak did not converge or an invariant failed.
 *
 * Flags: --pages N (500) --concurrency N (8) --seed N (1) --max-cycles N (30)
 *        --max-minutes N (10) --expire-every S (20) --timeout-ms N (2000)
 */
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startConfluenceSimulator, type ConfluenceSimulator } from '../../test/simulators/confluence/index.js';
import { DEFAULT_ZITADEL, startUniqueSimulator, type UniqueSimulator } from '../../test/simulators/unique/index.js';
import {
  DeletionWatch,
  changesOf,
  checkInvariants,
  contentWrites,
  converged,
  expectedFromDump,
  installFaultMix,
  soakScenario,
  type CycleRecord,
} from '../../test/reliability/soak-helpers.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const CLIENT = { clientId: 'bench-client', clientSecret: 'bench-client-secret' };

const { values } = parseArgs({
  options: {
    faults: { type: 'boolean' },
    pages: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '8' },
    seed: { type: 'string', default: '1' },
    'max-cycles': { type: 'string', default: '30' },
    'max-minutes': { type: 'string', default: '10' },
    'expire-every': { type: 'string', default: '20' },
    'timeout-ms': { type: 'string', default: '2000' },
  },
});
const pages = Number(values.pages);
const concurrency = Number(values.concurrency);
const seed = Number(values.seed);
const maxCycles = Number(values['max-cycles']);
const deadline = Date.now() + Number(values['max-minutes']) * 60_000;
const expireEveryMs = Number(values['expire-every']) * 1000;
const timeoutMs = Number(values['timeout-ms']);

interface Pair {
  confluence: ConfluenceSimulator;
  unique: UniqueSimulator;
  env: NodeJS.ProcessEnv;
}

function tenantYaml(): string {
  return [
    'confluence:',
    '  instanceType: data-center',
    '  baseUrl: os.environ/BENCH_CONFLUENCE_URL',
    `  auth: { mode: oauth_2lo, clientId: ${CLIENT.clientId}, clientSecret: os.environ/BENCH_CONFLUENCE_SECRET }`,
    '  apiRateLimitPerMinute: 1000000',
    '  ingestSingleLabel: ai-ingest',
    '  ingestAllLabel: ai-ingest-all',
    'unique:',
    '  serviceAuthMode: external',
    '  zitadelOauthTokenUrl: os.environ/BENCH_ZITADEL_URL',
    `  zitadelProjectId: ${DEFAULT_ZITADEL.projectId}`,
    `  zitadelClientId: ${DEFAULT_ZITADEL.clientId}`,
    '  zitadelClientSecret: os.environ/BENCH_ZITADEL_SECRET',
    '  ingestionServiceBaseUrl: os.environ/BENCH_UNIQUE_INGESTION_URL',
    '  scopeManagementServiceBaseUrl: os.environ/BENCH_UNIQUE_SCOPE_URL',
    '  apiRateLimitPerMinute: 1000000',
    'processing:',
    `  concurrency: ${concurrency}`,
    'ingestion:',
    '  scopeId: scope_confluence',
    '  attachments: { mode: enabled, maxFileSizeMb: 10 }',
    '',
  ].join('\n');
}

async function startPair(dir: string, name: string): Promise<Pair> {
  const confluence = await startConfluenceSimulator({ flavour: 'data-center', oauthClients: [CLIENT], ...soakScenario(pages) }, { seed, requestLogLimit: 2_000_000 });
  const unique = await startUniqueSimulator({ authMode: 'external' }, { seed });
  const configDir = join(dir, name);
  await mkdir(configDir);
  await writeFile(join(configDir, 'soak-tenant-config.yaml'), tenantYaml());
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TENANT_CONFIG_PATH_PATTERN: join(configDir, '*-tenant-config.yaml'),
    BENCH_CONFLUENCE_URL: confluence.baseUrl,
    BENCH_CONFLUENCE_SECRET: CLIENT.clientSecret,
    BENCH_ZITADEL_URL: unique.zitadelTokenUrl,
    BENCH_ZITADEL_SECRET: DEFAULT_ZITADEL.clientSecret,
    BENCH_UNIQUE_INGESTION_URL: unique.ingestionBaseUrl,
    BENCH_UNIQUE_SCOPE_URL: unique.scopeManagementBaseUrl,
    LOG_LEVEL: 'info',
    HTTP_HEADERS_TIMEOUT_MS: String(timeoutMs),
    HTTP_BODY_TIMEOUT_MS: String(timeoutMs),
  };
  return { confluence, unique, env };
}

interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string[];
  stderr: string;
}

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const child = spawn(process.execPath, ['dist/cli.js', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: out.split('\n').filter(Boolean), stderr: err })));
}

const parse = (line: string): Record<string, unknown> | undefined => {
  try {
    return JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
};

/** One `sync` in a child process, recorded for the invariants. */
async function cycle(pair: Pair, n: number, watch: DeletionWatch | undefined, settle?: () => Promise<void>): Promise<CycleRecord & { wallMs: number; exitCode: number | null }> {
  const before = { confluence: pair.confluence.requests.length, unique: pair.unique.requests.length };
  watch?.beforeCycle();
  const started = Date.now();
  const run = await runCli(['sync'], pair.env);
  // A slow request the client gave up on is still executed: count it in its own cycle.
  await settle?.();
  const lines = run.stdout.map(parse).filter((line): line is Record<string, unknown> => line !== undefined);
  const finished = lines.find((line) => line.msg === 'Sync cycle finished');
  const failed = lines.find((line) => line.msg === 'Sync cycle failed');
  const summary = finished ?? failed;
  // A crash: killed by a signal, an exit code sync never uses (4: another process's lease), an error that is not the
  // connector's own (code UNEXPECTED), or a stack trace on stderr.
  const crashed = run.signal !== null || (run.code !== 0 && run.code !== 1 && run.code !== 4) || failed?.code === 'UNEXPECTED' || /\n\s+at /.test(run.stderr) || (run.code !== 0 && !failed);
  return {
    cycle: n,
    outcome: crashed ? 'crashed' : run.code === 0 && finished ? 'succeeded' : 'failed',
    phases: Object.keys((summary?.phasesMs as Record<string, number> | undefined) ?? {}),
    changes: finished ? changesOf(finished) : -1,
    contentWrites: contentWrites(pair.unique.requests.slice(before.unique), pair.unique),
    deletions: watch ? watch.afterCycle(n).length : 0,
    requests: { confluence: pair.confluence.requests.length - before.confluence, unique: pair.unique.requests.length - before.unique },
    error: failed ? `${String(failed.code)}: ${String(failed.error)}` : run.code !== 0 ? run.stderr.slice(0, 300) : undefined,
    wallMs: Date.now() - started,
    exitCode: run.code,
  };
}

const total = (cycles: readonly CycleRecord[]) =>
  cycles.reduce((sum, c) => ({ confluence: sum.confluence + c.requests.confluence, unique: sum.unique + c.requests.unique }), { confluence: 0, unique: 0 });
const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 100) / 100 : null);

export async function runFaultSoak(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'cfc-bench-faults-'));
  const pairs: Pair[] = [];
  try {
    // Fault-free reference: the same scenario, cycles until two change nothing (three).
    const clean = await startPair(dir, 'clean');
    pairs.push(clean);
    const reference: CycleRecord[] = [];
    while (reference.length < 6 && !converged(reference)) reference.push(await cycle(clean, reference.length + 1, undefined));

    const soak = await startPair(dir, 'soak');
    pairs.push(soak);
    const mix = installFaultMix(soak.confluence, soak.unique, { slowMs: timeoutMs + 1500, retryAfterSeconds: 1 });
    const expiry = setInterval(() => {
      soak.confluence.expireTokens();
      soak.unique.expireTokens();
    }, expireEveryMs);
    const watch = new DeletionWatch(soak.unique);
    const cycles: (CycleRecord & { wallMs: number; exitCode: number | null })[] = [];
    const started = Date.now();
    let stoppedBy: string | undefined;
    while (!converged(cycles)) {
      if (cycles.length >= maxCycles) stoppedBy = `not converged after ${maxCycles} cycles`;
      else if (Date.now() > deadline) stoppedBy = `not converged within ${values['max-minutes']} minutes`;
      if (stoppedBy) break;
      const record = await cycle(soak, cycles.length + 1, watch, mix.settle);
      cycles.push(record);
      console.error(JSON.stringify({ cycle: record.cycle, outcome: record.outcome, changes: record.changes, wallMs: record.wallMs, requests: record.requests, error: record.error }));
    }
    clearInterval(expiry);
    const soakMs = Date.now() - started;

    soak.confluence.faults.clear();
    soak.unique.faults.clear();
    const dump = await runCli(['dump'], soak.env);
    // What must end up in Unique: a dump of this very Confluence without faults (a page's
    // sha256 is over its converted HTML, which is what the sync uploads).
    const expected = expectedFromDump(dump.stdout.map(parse).filter((line): line is Record<string, unknown> => line !== undefined));
    const invariants = checkInvariants(soak.unique, expected, watch, cycles);

    const soakRequests = total(cycles);
    const cleanRequests = total(reference);
    const report = {
      scenario: { pages, spaces: 3, expectedItems: expected.size, concurrency, seed },
      faults: {
        mix: '10% 5xx, 5% 429 (Retry-After 1 s), 2% resets (Confluence: half mid-body), 1% slower than the timeout; token endpoints spared',
        tokenExpiryEverySeconds: expireEveryMs / 1000,
        httpTimeoutsMs: timeoutMs,
        slowMs: timeoutMs + 1500,
      },
      converged: stoppedBy === undefined,
      stoppedBy,
      cyclesNeeded: cycles.length,
      soakWallMs: soakMs,
      requests: {
        soak: soakRequests,
        faultFree: cleanRequests,
        faultFreeFirstCycle: reference[0]?.requests,
        overhead: { confluence: ratio(soakRequests.confluence, cleanRequests.confluence), unique: ratio(soakRequests.unique, cleanRequests.unique) },
      },
      cycles: cycles.map((c) => ({ cycle: c.cycle, outcome: c.outcome, exitCode: c.exitCode, changes: c.changes, contentWrites: c.contentWrites, deletions: c.deletions, wallMs: c.wallMs, requests: c.requests, error: c.error })),
      faultFreeCycles: reference.map((c) => ({ cycle: c.cycle, outcome: c.outcome, changes: c.changes, requests: c.requests })),
      invariants,
    };
    console.log(JSON.stringify(report, null, 2));
    if (!report.converged || !invariants.ok) process.exitCode = 1;
  } finally {
    await Promise.all(pairs.flatMap((pair) => [pair.confluence.close(), pair.unique.close()]));
    await rm(dir, { recursive: true, force: true });
  }
}
