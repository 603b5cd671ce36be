/**
 * The tenant lease against the Unique simulator with the real content client (issue 10,
 * finding 8): one holder at a time, with no wait on the way; an expired claim is passed
 * over and, once long dead, removed; two processes claiming at once never both hold it;
 * renewal extends, release deletes only our own claim.
 */
import t, { type Test } from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { TenantLease, acquireTenantLease, claimKey, leaseKey, type LeaseDeps } from '../../src/unique/tenant-lease.js';
import { setup } from './support/unique-setup.js';

async function context(t: Test) {
  const s = await setup(t, 'cluster_local');
  let clock = Date.parse('2026-03-01T10:00:00.000Z');
  const pauses: number[] = [];
  const deps: LeaseDeps = {
    tenant: s.tenant,
    content: s.clients.content,
    logger: s.ctx.log,
    now: () => clock,
    sleep: async (ms) => void pauses.push(ms),
  };
  const advance = (ms: number) => void (clock += ms);
  let processes = 0;
  /** The deps of another process (its own holder id). */
  const otherProcess = (): LeaseDeps => ({ ...deps, holder: `host:${++processes}:test` });
  /** The claim contents stored, holder by holder. */
  const claims = () => s.sim.state.contents().filter((c) => c.key.startsWith(leaseKey('acme')));
  const claimOf = (holder: string) => s.sim.state.content(claimKey('acme', holder));
  return { ...s, deps: otherProcess(), otherProcess, advance, pauses, claims, claimOf };
}

async function heldError(promise: Promise<unknown>): Promise<{ code: string; details?: Record<string, unknown> }> {
  try {
    await promise;
  } catch (error) {
    if (isConnectorError(error)) return { code: error.code, details: error.details };
    throw error;
  }
  throw new Error('expected TENANT_LEASE_HELD, the lease was taken');
}

t.test("a claim is a content of the holder's own in the root scope naming it and the expiry; taking the lease waits for nothing; release deletes the claim", async (t) => {
  const { sim, deps, tenant, pauses, claims, claimOf } = await context(t);
  const lease = await acquireTenantLease(deps);
  const stored = claimOf(lease.holder)!;
  t.equal(stored.key, `acme/connector-lease/${lease.holder}`);
  t.equal(stored.ownerId, tenant.ingestion.scopeId, 'in the root scope');
  t.same(stored.metadata, { leaseHolder: lease.holder, leaseExpiresAt: '2026-03-01T10:05:00.000Z' }, 'five minutes');
  t.same(pauses, [], 'no settle, no pause');
  t.same(sim.requests.map((r) => r.operation), ['paginatedContent', 'contentUpsert', 'paginatedContent'], 'list, claim, list');
  await lease.release();
  t.same(claims(), [], 'released');
});

t.test('a second process finds the lease held and gets TENANT_LEASE_HELD naming the holder, having written nothing', async (t) => {
  const { sim, deps, otherProcess, claims } = await context(t);
  const first = await acquireTenantLease(deps);
  const error = await heldError(acquireTenantLease(otherProcess()));
  t.equal(error.code, 'TENANT_LEASE_HELD');
  t.equal(error.details?.holder, first.holder);
  t.same(claims().map((c) => c.metadata?.leaseHolder), [first.holder], "the holder's claim alone");
  t.equal(sim.requests.filter((r) => r.operation === 'contentUpsert').length, 1, 'the second process wrote nothing');
});

t.test('the single lease content of earlier versions, while live, counts as a holder', async (t) => {
  const { sim, deps, tenant } = await context(t);
  sim.state.addContent({ key: leaseKey('acme'), ownerId: tenant.ingestion.scopeId, metadata: { leaseHolder: 'old-host:7:beef', leaseExpiresAt: '2026-03-01T10:03:00.000Z' } });
  const error = await heldError(acquireTenantLease(deps));
  t.equal(error.details?.holder, 'old-host:7:beef');
});

t.test('an expired claim (its holder died) is passed over and removed by the next holder', async (t) => {
  const { deps, advance, otherProcess, claims } = await context(t);
  await acquireTenantLease(deps);
  advance(5 * 60_000 + 1);
  const second = await acquireTenantLease(otherProcess());
  t.same(claims().map((c) => c.metadata?.leaseHolder), [second.holder], "the dead holder's claim removed");
});

t.test('two processes that claimed at once: both withdraw; one claims again after its pause and holds it, the other then skips', async (t) => {
  const { sim, deps, otherProcess, clients, claims, tenant } = await context(t);
  const bHolder = 'host:b:test';
  const bClaim = () => sim.state.addContent({ key: claimKey('acme', bHolder), ownerId: tenant.ingestion.scopeId, metadata: { leaseHolder: bHolder, leaseExpiresAt: '2026-03-01T10:05:00.000Z' } });
  const paused: number[] = [];
  const a = new TenantLease({
    ...deps,
    random: () => 0.5,
    timing: { retryPauseMs: 400 },
    // During A's pause, B (which saw A's claim too) withdraws its own.
    sleep: async (ms) => {
      paused.push(ms);
      t.same(claims().map((c) => c.metadata?.leaseHolder), [bHolder], "A's claim withdrawn before its pause");
      await clients.content.deleteByIds([sim.state.content(claimKey('acme', bHolder))!.id]);
    },
  });
  await a.claim();
  // B's claim lands between A's claim and A's listing, as a process starting at the same moment would write it.
  bClaim();
  await a.confirm();
  t.same(paused, [200], 'a random pause, up to retryPauseMs at the first meeting');
  t.same(claims().map((c) => c.metadata?.leaseHolder), [a.holder], 'A claimed again and holds it alone');
  // B, after its own pause, finds A's claim: a holder, so it skips without writing.
  const error = await heldError(acquireTenantLease({ ...otherProcess(), holder: bHolder }));
  t.equal(error.details?.holder, a.holder);
  await a.release();
});

t.test('a claim still there after the pause is a holder: the process withdraws and skips', async (t) => {
  const { sim, deps, claims, tenant } = await context(t);
  const lease = new TenantLease({ ...deps, random: () => 1, timing: { retryPauseMs: 300 } });
  await lease.claim();
  sim.state.addContent({ key: claimKey('acme', 'host:b:test'), ownerId: tenant.ingestion.scopeId, metadata: { leaseHolder: 'host:b:test', leaseExpiresAt: '2026-03-01T10:05:00.000Z' } });
  const error = await heldError(lease.confirm());
  t.equal(error.details?.holder, 'host:b:test');
  t.same(claims().map((c) => c.metadata?.leaseHolder), ['host:b:test'], 'ours withdrawn, theirs untouched');
});

t.test('many pairs of processes racing for real: never both hold the lease, and the claims left are the holder\'s', async (t) => {
  const { sim, otherProcess, claims } = await context(t);
  let held = 0;
  for (let round = 0; round < 20; round += 1) {
    // Real pauses (a few ms) so the two interleave as they come.
    const racer = (): TenantLease => new TenantLease({ ...otherProcess(), sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)), timing: { retryPauseMs: 10 } });
    const [a, b] = [racer(), racer()];
    const results = await Promise.allSettled([a.acquire(), b.acquire()]);
    const winners = [a, b].filter((_, i) => results[i]!.status === 'fulfilled');
    t.ok(winners.length <= 1, `round ${round}: at most one holds it`);
    for (const [i, result] of results.entries()) {
      if (result.status === 'rejected') t.equal(isConnectorError(result.reason) ? result.reason.code : result.reason, 'TENANT_LEASE_HELD', `round ${round}: the other skips`);
      else t.ok([a, b][i]);
    }
    t.same(claims().map((c) => c.metadata?.leaseHolder), winners.map((w) => w.holder), `round ${round}: only the holder's claim is left`);
    held += winners.length;
    for (const winner of winners) await winner.release();
  }
  t.ok(held >= 10, `one of the two held it in most rounds (${held} of 20)`);
  t.ok(sim.requests.every((r) => r.status === 200));
});

t.test('renewal extends the expiry; a lease lost to another process is not taken back', async (t) => {
  const { deps, advance, logs, otherProcess, claimOf } = await context(t);
  const lease = await acquireTenantLease(deps);
  advance(60_000);
  await lease.renew();
  t.equal(claimOf(lease.holder)!.metadata!.leaseExpiresAt, '2026-03-01T10:06:00.000Z');
  advance(6 * 60_000);
  const other = await acquireTenantLease(otherProcess());
  await lease.renew();
  t.equal(claimOf(lease.holder), undefined, 'the expired claim, removed by the new holder, is not written back');
  t.ok(logs.some((l) => l.msg === 'Tenant lease lost to another process' && l.level === 40));
  await lease.release();
  t.ok(claimOf(other.holder), "release leaves the other holder's claim");
  t.notOk(logs.some((l) => l.msg === 'Tenant lease not released, it expires by itself'), 'a claim already gone is released quietly');
});

t.test('a process takes back its own claim that a failed release left behind, without waiting for the expiry', async (t) => {
  const { sim, deps, claims } = await context(t);
  sim.faults.add({ operation: 'contentDeleteByContentIds', graphqlError: 'unavailable', times: 1 });
  const first = await acquireTenantLease(deps);
  await first.release();
  t.equal(claims().length, 1, 'the release failed: the claim is still there');
  const again = await acquireTenantLease(deps);
  t.equal(again.holder, first.holder);
  await again.release();
  t.same(claims(), []);
});
