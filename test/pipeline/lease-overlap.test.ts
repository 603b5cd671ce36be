/**
 * The tenant lease's settle (write, wait, read back) overlaps discovery, which only
 * reads: a cycle pays no second for it. Another holder's live lease still ends the cycle
 * before discovery, and a race lost during the settle ends it before the diff, with
 * nothing written.
 */
import t from 'tap';
import { leaseKey } from '../../src/unique/tenant-lease.js';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import { until } from '../helpers/manual-clock.js';
import { ENG, SINGLE, page, rejection } from './support/scenario.js';

const content = ['8001', '8002', '8003'].map((id) => page(id, 'ENG', { labels: SINGLE }));
const isLeaseRead = (req: { variables?: unknown }) => JSON.stringify(req.variables ?? {}).includes(leaseKey('acme'));

t.test('discovery runs while the lease is read back: the read-back waits for a discovery search, and the cycle succeeds', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content });
  t.teardown(h.close);
  const searched = () => h.confluence.requests.some((r) => r.path.endsWith('/content/search'));
  let reads = 0;
  let searchedBeforeReadBack = false;
  // The second lease read is the read-back; it is answered only once discovery has searched
  // (or after 5 s, so a cycle that waited for the read-back before discovering fails here, not hangs).
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
  t.ok(searchedBeforeReadBack, 'Confluence was searched before the lease was read back');
  t.equal(result.outcome, 'succeeded');
  t.equal(result.summary.ingested, 3);
  t.equal(h.unique.state.content(leaseKey('acme')), undefined, 'released at the end');
  const phases = Object.keys(result.summary.phasesMs as Record<string, number>);
  t.same(phases.slice(0, 4), ['init', 'discovery', 'lease', 'diff'], 'the wait for the read-back beyond discovery is its own phase, between discovery and the diff');
  t.ok(h.logs.lines().some((l) => l.msg === 'Phase finished' && l.phase === 'lease' && typeof l.durationMs === 'number'), 'and is logged like every phase');
});

t.test('a race lost during the settle ends the cycle before the diff: TENANT_LEASE_HELD, nothing written', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content });
  t.teardown(h.close);
  let reads = 0;
  // Another process writes its lease between our write and our read-back: it came last, it wins.
  h.unique.faults.add({
    operation: 'paginatedContent',
    when: (req) => isLeaseRead(req) && ++reads === 2,
    hold: async () => {
      const lease = h.unique.state.content(leaseKey('acme'))!;
      h.unique.state.setMetadata(leaseKey('acme'), { ...lease.metadata, leaseHolder: 'other-host:1:abcd' });
    },
  });
  const error = await rejection(h.sync());
  t.equal(error.code, 'TENANT_LEASE_HELD');
  t.same(h.uniqueWrites(), [], 'no file-diff result acted on, no scope, no registration');
  t.notOk(h.unique.requests.some((r) => r.path.endsWith('/file-diff')), 'the diff never ran');
  t.equal(h.unique.state.content(leaseKey('acme'))?.metadata?.leaseHolder, 'other-host:1:abcd', "the winner's lease is left alone");
});
