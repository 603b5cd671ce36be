/**
 * SIGKILL at seeded random moments (issue 10, finding 1). A real `sync` child process
 * runs against simulators living in this test process and is killed when Unique
 * receives its k-th request (k drawn from a seeded PRNG over a clean run's request
 * count, so kills land before, during and after ingestion). Then the killed process's
 * lease is shown to block a second `sync` (exit 4) until it expires, and one normal
 * `sync` must leave Unique exactly as a clean run does: every item finalized, with its
 * bytes and its metadata, nothing pending, nothing extra.
 *
 * KILL_RECOVERY_ROUNDS (default 3) and KILL_RECOVERY_SEED choose how many kills and which.
 */
import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import { runCli } from '../../src/cli.js';
import { Capture } from '../helpers/capture.js';
import { isLeaseKey } from '../helpers/tenant-lease.js';
import { writeTenants } from '../ops/support/daemon-process.js';
import { ENG, OPS, SINGLE, page } from '../pipeline/support/scenario.js';
import { PAT, tenantEnv, type Simulators } from '../ops/support/simulated-tenants.js';
import { startConfluenceSimulator } from '../simulators/confluence/index.js';
import { seededRandom } from '../simulators/seeded-random.js';
import { startUniqueSimulator, type ContentView } from '../simulators/unique/index.js';

const ROUNDS = Number(process.env.KILL_RECOVERY_ROUNDS ?? 3);
const SEED = Number(process.env.KILL_RECOVERY_SEED ?? 20261205);

/** 16 pages in two spaces, half of them with a 256 KB PDF: kills land in page and streamed attachment transfers alike. */
async function simulators(t: Test): Promise<Simulators> {
  const content = Array.from({ length: 16 }, (_, i) =>
    page(String(5001 + i), i % 2 === 0 ? 'ENG' : 'OPS', {
      labels: SINGLE,
      attachments: i % 2 === 0 ? [{ id: `att${9001 + i}`, title: `report-${i}.pdf`, mediaType: 'application/pdf', size: 256 * 1024 }] : [],
    }),
  );
  const confluence = await startConfluenceSimulator({ flavour: 'data-center', pats: [PAT], spaces: [ENG, OPS], content });
  const unique = await startUniqueSimulator({
    authMode: 'cluster_local',
    scopes: [
      { id: 'scope_kb', name: 'Company KB', parentId: null },
      { id: 'scope_acme', name: 'acme', parentId: 'scope_kb' },
    ],
  });
  t.teardown(() => Promise.all([confluence.close(), unique.close()]));
  return { confluence, unique };
}

function environment(sims: Simulators): NodeJS.ProcessEnv {
  return { TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'acme', cron: '*/15 * * * *', env: 'ACME', concurrency: 2 }]), ...tenantEnv('ACME', sims) };
}

async function syncInProcess(env: NodeJS.ProcessEnv): Promise<{ code: number; lines: Record<string, unknown>[] }> {
  const stdout = new Capture();
  const code = await runCli(['sync'], { env, stdout, stderr: new Capture() });
  return { code, lines: stdout.lines() };
}

/** What a clean run leaves, per key: the fields a reader of Unique sees. */
function snapshot(contents: readonly ContentView[]): Record<string, unknown> {
  return Object.fromEntries(
    contents.map((c) => [c.key, { title: c.title, mimeType: c.mimeType, byteSize: c.byteSize, metadata: c.metadata, state: c.ingestionState, sha256: c.uploaded?.sha256 ?? null }]),
  );
}

/** Spawns `sync` and SIGKILLs it when Unique receives its `killAt`-th request; resolves when it is gone. */
async function killedSync(sims: Simulators, env: NodeJS.ProcessEnv, killAt: number): Promise<{ killed: boolean; code: number | null }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'sync'], {
    env: { PATH: process.env.PATH, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let seen = 0;
  let killed = false;
  const rule = {
    when: () => {
      if (++seen === killAt) {
        killed = child.kill('SIGKILL');
      }
      return false;
    },
  };
  sims.unique.faults.add(rule);
  const code = await new Promise<number | null>((resolve) => child.on('exit', (exitCode) => resolve(exitCode)));
  sims.unique.faults.clear();
  return { killed, code };
}

t.test(`a sync SIGKILLed at ${ROUNDS} seeded random moments converges with one normal sync`, async (t) => {
  const reference = await simulators(t);
  const referenceRun = await syncInProcess(environment(reference));
  t.equal(referenceRun.code, 0, 'the clean run succeeds');
  const expected = snapshot(reference.unique.state.contents());
  const requestsOfCleanRun = reference.unique.requests.length;
  t.equal(Object.keys(expected).length, 24, '16 pages and 8 attachments in a clean run');
  t.notOk(Object.keys(expected).some(isLeaseKey), 'the lease is released at the end of a clean run');

  const random = seededRandom(SEED);
  for (let round = 1; round <= ROUNDS; round += 1) {
    const killAt = 1 + Math.floor(random() * requestsOfCleanRun);
    await t.test(`round ${round}: killed at Unique request ${killAt} of ${requestsOfCleanRun}`, async (t) => {
      const sims = await simulators(t);
      const env = environment(sims);
      const { killed } = await killedSync(sims, env, killAt);
      t.ok(killed, 'the child was killed mid-run');
      const pending = sims.unique.state.contents().filter((c) => !isLeaseKey(c.key) && c.metadata !== null && 'pendingIngestionAttempt' in c.metadata);
      t.comment(`left behind: ${pending.length} registered and never finalized, ${sims.unique.state.contents().length} contents`);

      const claims = sims.unique.state.contents().filter((c) => isLeaseKey(c.key));
      if (claims.length > 0) {
        // The dead holder's claim blocks the tenant until it expires…
        t.equal((await syncInProcess(env)).code, 4, 'a sync while the dead holder\'s claim runs is skipped (exit 4)');
        // …and then it has expired (5 minutes, here moved on instead of waited for).
        for (const claim of claims) sims.unique.state.setMetadata(claim.key, { ...claim.metadata, leaseExpiresAt: new Date(Date.now() - 1000).toISOString() });
      }
      const recovery = await syncInProcess(env);
      t.equal(recovery.code, 0, 'the next sync succeeds');
      const finished = recovery.lines.find((l) => l.msg === 'Sync cycle finished');
      // The file-diff calls every one of them unchanged (its registration was its last upsert): only the mark brings them back.
      t.equal(finished?.recovered, pending.length, 'every interrupted item was recovered');
      t.same(snapshot(sims.unique.state.contents()), expected, 'Unique holds exactly what a clean run leaves: every item finalized with its bytes');
      sims.unique.state.checkInvariants();
    });
  }
});
