/**
 * The tenant lease's confirmation (its claims listed again after ours was written)
 * overlaps discovery, which only reads. Another holder's live claim still ends the cycle
 * before discovery, and another claim met at the confirmation, still there after the
 * pause, ends it before the diff, with nothing written.
 */
import t from 'tap';
import { claimKey, leaseKey } from '../../src/unique/tenant-lease.js';
import { isLeaseKey } from '../helpers/tenant-lease.js';
import { ROOT_SCOPE, startCycleHarness } from '../helpers/cycle-harness.js';
import { until } from '../helpers/manual-clock.js';
import { ENG, SINGLE, page, rejection } from './support/scenario.js';

const content = ['8001', '8002', '8003'].map((id) => page(id, 'ENG', { labels: SINGLE }));
const isLeaseRead = (req: { variables?: unknown }) => JSON.stringify(req.variables ?? {}).includes(leaseKey('acme'));

t.test('discovery runs while the lease is confirmed: the confirming listing waits for a discovery search, and the cycle succeeds', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content });
  t.teardown(h.close);
  const searched = () => h.confluence.requests.some((r) => r.path.endsWith('/content/search'));
  let reads = 0;
  let searchedBeforeReadBack = false;
  // The second listing of the claims confirms ours; it is answered only once discovery has searched
  // (or after 5 s, so a cycle that waited for it before discovering fails here, not hangs).
  h.unique.faults.add({
    operation: 'paginatedContent',
    when: (req) => isLeaseRead(req) && ++reads === 2,
    hold: async () => {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([until(searched, 'a discovery search'), new Promise((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
      searchedBeforeReadBack = searched();
    },
  });
  const result = await h.sync();
  t.ok(searchedBeforeReadBack, 'Confluence was searched before the lease was confirmed');
  t.equal(result.outcome, 'succeeded');
  t.equal(result.summary.ingested, 3);
  t.same(h.unique.state.contents().filter((c) => isLeaseKey(c.key)), [], 'released at the end');
  const phases = Object.keys(result.summary.phasesMs as Record<string, number>);
  t.same(phases.slice(0, 4), ['init', 'discovery', 'lease', 'diff'], 'the wait for the confirmation beyond discovery is its own phase, between discovery and the diff');
  t.ok(h.logs.lines().some((l) => l.msg === 'Phase finished' && l.phase === 'lease' && typeof l.durationMs === 'number'), 'and is logged like every phase');
});

t.test('a claim met at the confirmation and still there after the pause ends the cycle before the diff: TENANT_LEASE_HELD, nothing written', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content });
  t.teardown(h.close);
  const other = claimKey('acme', 'other-host:1:abcd');
  let reads = 0;
  // Another process claims between our claim and our confirmation, and does not withdraw: it holds the lease.
  h.unique.faults.add({
    operation: 'paginatedContent',
    when: (req) => isLeaseRead(req) && ++reads === 2,
    hold: async () => {
      h.unique.state.addContent({ key: other, ownerId: ROOT_SCOPE, metadata: { leaseHolder: 'other-host:1:abcd', leaseExpiresAt: new Date(Date.now() + 60_000).toISOString() } });
    },
  });
  const error = await rejection(h.sync());
  t.equal(error.code, 'TENANT_LEASE_HELD');
  t.same(h.uniqueWrites(), [], 'no file-diff result acted on, no scope, no registration');
  t.notOk(h.unique.requests.some((r) => r.path.endsWith('/file-diff')), 'the diff never ran');
  t.same(h.unique.state.contents().filter((c) => isLeaseKey(c.key)).map((c) => c.key), [other], "ours withdrawn, the holder's claim left alone");
});
