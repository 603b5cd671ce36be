/**
 * The tenant lease against the Unique simulator with the real content client (issue 10,
 * finding 8): one holder at a time, an expired lease is taken over, the last writer of a
 * race wins and the other backs off, renewal extends, release deletes only our own.
 */
import t, { type Test } from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { TenantLease, acquireTenantLease, leaseKey, type LeaseDeps } from '../../src/unique/tenant-lease.js';
import { setup } from './support/unique-setup.js';

const KEY = leaseKey('acme');

async function context(t: Test) {
  const s = await setup(t, 'cluster_local');
  let clock = Date.parse('2026-03-01T10:00:00.000Z');
  const deps: LeaseDeps = { tenant: s.tenant, content: s.clients.content, logger: s.ctx.log, now: () => clock, sleep: async () => undefined };
  const advance = (ms: number) => void (clock += ms);
  let processes = 0;
  /** The deps of another process (its own holder id). */
  const otherProcess = (): LeaseDeps => ({ ...deps, holder: `host:${++processes}:test` });
  return { ...s, deps: otherProcess(), otherProcess, advance };
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

t.test('the lease is a content in the root scope naming the holder and the expiry; release deletes it', async (t) => {
  const { sim, deps, tenant } = await context(t);
  const lease = await acquireTenantLease(deps);
  const stored = sim.state.content(KEY)!;
  t.equal(stored.ownerId, tenant.ingestion.scopeId, 'in the root scope');
  t.same(stored.metadata, { leaseHolder: lease.holder, leaseExpiresAt: '2026-03-01T10:05:00.000Z' }, 'five minutes');
  await lease.release();
  t.equal(sim.state.content(KEY), undefined);
});

t.test('a second process finds the lease held and gets TENANT_LEASE_HELD naming the holder; nothing of the first is touched', async (t) => {
  const { sim, deps, otherProcess } = await context(t);
  const first = await acquireTenantLease(deps);
  const error = await heldError(acquireTenantLease(otherProcess()));
  t.equal(error.code, 'TENANT_LEASE_HELD');
  t.equal(error.details?.holder, first.holder);
  t.equal(sim.state.content(KEY)!.metadata!.leaseHolder, first.holder, 'the holder is unchanged');
  t.equal(sim.requests.filter((r) => r.operation === 'contentUpsert').length, 1, 'the second process wrote nothing');
});

t.test('an expired lease (its holder died) is taken over', async (t) => {
  const { sim, deps, advance, otherProcess } = await context(t);
  await acquireTenantLease(deps);
  advance(5 * 60_000 + 1);
  const second = await acquireTenantLease(otherProcess());
  t.equal(sim.state.content(KEY)!.metadata!.leaseHolder, second.holder);
});

t.test('two processes writing at once: the last writer wins, the other backs off after reading it back', async (t) => {
  const { sim, deps, clients, otherProcess } = await context(t);
  const content = clients.content;
  // Real calls, only ordered: both read the free lease, A writes, B writes while A waits to read back.
  let bRead!: () => void;
  let bWrote!: () => void;
  let aWrote!: () => void;
  const aHasWritten = new Promise<void>((resolve) => (aWrote = resolve));
  const bHasRead = new Promise<void>((resolve) => (bRead = resolve));
  const bHasWritten = new Promise<void>((resolve) => (bWrote = resolve));
  const a = new TenantLease({
    ...deps,
    content: { nodeByKey: (key) => content.nodeByKey(key), deleteByIds: (ids) => content.deleteByIds(ids), register: async (request) => {
        await bHasRead;
        const registered = await content.register(request);
        aWrote();
        return registered;
      },
    },
    sleep: () => bHasWritten,
  });
  const b = new TenantLease({
    ...otherProcess(),
    content: {
      nodeByKey: async (key) => {
        const node = await content.nodeByKey(key);
        bRead();
        return node;
      },
      deleteByIds: (ids) => content.deleteByIds(ids),
      register: async (request) => {
        await aHasWritten;
        const registered = await content.register(request);
        bWrote();
        return registered;
      },
    },
  });
  const [aResult, bResult] = await Promise.allSettled([a.acquire(), (async () => (await new Promise((r) => setImmediate(r)), b.acquire()))()]);
  t.equal(bResult.status, 'fulfilled', 'the last writer holds the lease');
  t.equal(aResult.status, 'rejected');
  t.equal(aResult.status === 'rejected' && isConnectorError(aResult.reason) ? aResult.reason.code : undefined, 'TENANT_LEASE_HELD', 'the first writer backs off');
  t.equal(sim.state.content(KEY)!.metadata!.leaseHolder, b.holder);
  await a.release();
  t.ok(sim.state.content(KEY), 'the loser\'s release leaves the winner\'s lease');
});

t.test('renewal extends the expiry; a lease lost to another process is not taken back', async (t) => {
  const { sim, deps, advance, logs, otherProcess } = await context(t);
  const lease = await acquireTenantLease(deps);
  advance(60_000);
  await lease.renew();
  t.equal(sim.state.content(KEY)!.metadata!.leaseExpiresAt, '2026-03-01T10:06:00.000Z');
  advance(6 * 60_000);
  const other = await acquireTenantLease(otherProcess());
  await lease.renew();
  t.equal(sim.state.content(KEY)!.metadata!.leaseHolder, other.holder);
  t.ok(logs.some((l) => l.msg === 'Tenant lease lost to another process' && l.level === 40));
  await lease.release();
  t.equal(sim.state.content(KEY)!.metadata!.leaseHolder, other.holder, 'release leaves another holder\'s lease');
});

t.test('a process takes back its own lease that a failed release left behind, without waiting for the expiry', async (t) => {
  const { sim, deps } = await context(t);
  sim.faults.add({ operation: 'contentDeleteByContentIds', graphqlError: 'unavailable', times: 1 });
  const first = await acquireTenantLease(deps);
  await first.release();
  t.ok(sim.state.content(KEY), 'the release failed: the lease is still there');
  const again = await acquireTenantLease(deps);
  t.equal(again.holder, first.holder);
  await again.release();
  t.equal(sim.state.content(KEY), undefined);
});
