/**
 * `npm run demo`: the main job on the built-in simulators. Starts a Confluence Data
 * Center simulator seeded with a small realistic wiki and a Unique simulator, runs
 * `sync` (the real CLI, in a child process) twice — the second cycle finds nothing to
 * change — prints what landed in Unique, and stops the simulators.
 * `npm run demo -- --keep` leaves the simulators running and prints the environment that
 * makes the suggested commands work against them, until Ctrl-C.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { demoScenario } from '../test/fixtures/demo-scenario.js';
import { startConfluenceSimulator } from '../test/simulators/confluence/index.js';
import { startUniqueSimulator } from '../test/simulators/unique/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const DEMO_PAT = 'demo-personal-access-token';

function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/cli.js', ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout }));
  });
}

/** The cycle's summary log line, shown as a short table rather than raw JSON. */
function printSummary(title: string, stdout: string): void {
  const lines = stdout.split('\n').filter((line) => line.startsWith('{'));
  const summary = lines.map((line) => JSON.parse(line) as Record<string, unknown>).find((record) => record.msg === 'Sync cycle finished');
  console.log(`\n${title}`);
  if (!summary) {
    console.log('  no summary line found; the full log follows');
    console.log(stdout);
    return;
  }
  const fields = ['outcome', 'discovered', 'new', 'updated', 'unchanged', 'ingested', 'failed', 'skipped', 'deleted', 'durationMs'];
  for (const field of fields) console.log(`  ${field.padEnd(11)} ${String(summary[field])}`);
}

/** `export NAME='value'` lines for a POSIX shell. */
function exportLines(env: NodeJS.ProcessEnv, names: readonly string[]): string[] {
  return names.map((name) => `  export ${name}='${String(env[name]).replace(/'/g, `'\\''`)}'`);
}

/** Resolves on Ctrl-C or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
}

const DEMO_ENV = ['TENANT_CONFIG_PATH_PATTERN', 'DEMO_CONFLUENCE_URL', 'DEMO_CONFLUENCE_PAT', 'DEMO_UNIQUE_INGESTION_URL', 'DEMO_UNIQUE_SCOPE_URL'] as const;

async function main(): Promise<void> {
  const keep = process.argv.slice(2).includes('--keep');
  const confluence = await startConfluenceSimulator({ flavour: 'data-center', pats: [DEMO_PAT], ...demoScenario });
  const unique = await startUniqueSimulator({
    authMode: 'cluster_local',
    companyId: 'company_demo',
    serviceUserId: 'user_demo_service',
    scopes: [
      { id: 'scope_kb', name: 'Company KB', parentId: null },
      { id: 'scope_demo_root', name: 'Confluence', parentId: 'scope_kb' },
    ],
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Absolute, so the printed environment also works from another directory.
    TENANT_CONFIG_PATH_PATTERN: `${root}config/demo/*-tenant-config.yaml`,
    DEMO_CONFLUENCE_URL: confluence.baseUrl,
    DEMO_CONFLUENCE_PAT: DEMO_PAT,
    DEMO_UNIQUE_INGESTION_URL: unique.ingestionBaseUrl,
    DEMO_UNIQUE_SCOPE_URL: unique.scopeManagementBaseUrl,
  };
  let exitCode = 0;
  try {
    console.log(`Confluence simulator (Data Center): ${confluence.baseUrl}`);
    console.log(`Unique simulator: ${unique.origin}`);
    const first = await runCli(['sync'], env);
    printSummary('First sync (everything is new):', first.stdout);
    const second = await runCli(['sync'], env);
    printSummary('Second sync (nothing changed):', second.stdout);
    exitCode = first.code || second.code;

    console.log('\nWhat landed in Unique:');
    for (const scope of unique.state.scopes()) console.log(`  scope ${scope.path}${scope.externalId ? `  [${scope.externalId}]` : ''}`);
    for (const content of unique.state.contents()) {
      console.log(`  ${content.key.padEnd(28)} ${String(content.uploaded?.size ?? 0).padStart(6)} bytes  ${content.title}`);
    }
    if (keep) {
      console.log('\nThe simulators keep running. In another shell, in this directory:');
      for (const line of exportLines(env, DEMO_ENV)) console.log(line);
    } else {
      console.log('\n`npm run demo -- --keep` keeps the simulators up to try these against them.');
    }
    console.log('\nWhere to look next (with your own tenant files in TENANT_CONFIG_PATH_PATTERN):');
    console.log('  node dist/cli.js validate --check                  one line per tenant, then both sides\' credentials');
    console.log('  node dist/cli.js sync --dry-run                    the plan per space, nothing written');
    console.log('  node dist/cli.js dump > pages.ndjson               the records as NDJSON, for jq');
    console.log('  node dist/cli.js sync | npx -y bunyan -o short     a cycle with readable logs');
    console.log('  node dist/cli.js explain 65602                     why a page is (not) in Unique');
    if (keep) {
      console.log('\nPress Ctrl-C to stop the simulators.');
      await untilStopped();
    }
  } finally {
    await Promise.all([confluence.close(), unique.close()]);
  }
  process.exitCode = exitCode;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
