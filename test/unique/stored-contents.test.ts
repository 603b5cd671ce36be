/**
 * The diff phase's listing of what Unique holds, one listing per space: spaces side by
 * side (`processing.concurrency` at a time), a space whose listing fails left out with
 * a WARN (unknown this cycle, never empty), the others kept.
 */
import t from 'tap';
import type { PageRecord, SpaceRef } from '../../src/records.js';
import { listStoredBySpace } from '../../src/unique/stored-contents.js';
import { until } from '../helpers/manual-clock.js';
import { setup } from './support/unique-setup.js';

const SPACES: SpaceRef[] = ['ENG', 'OPS', 'HR'].map((key, i) => ({ id: String(100 + i), key, name: key }));
const partialOf = (space: SpaceRef) => `acme/${space.id}_${space.key}`;

function pageIn(space: SpaceRef, id: string): PageRecord {
  return {
    kind: 'page', id, type: 'page', title: `Page ${id}`, space, version: { number: 1, when: '2026-01-01T00:00:00.000Z' }, updatedAt: '2026-01-01T00:00:00.000Z',
    labels: [], rawLabels: [], selection: { singleLabel: true, allLabel: false, viaAncestors: [] }, ancestors: [], webUrl: `https://wiki/${id}`, attachments: [],
  };
}

t.test('spaces are listed side by side; a failed listing leaves its space out with a WARN, the others are kept', async (t) => {
  const stored = SPACES.flatMap((space, i) => Array.from({ length: 3 }, (_, n) => ({ key: `${partialOf(space)}/${i}00${n}`, ownerId: 'scope_confluence', metadata: { n } })));
  const { sim, clients, tenant, ctx, logs } = await setup(t, 'cluster_local', { scenario: { contents: stored } });
  const prefixOf = (req: { variables?: unknown }) => (req.variables as { where?: { key?: { startsWith?: string } } }).where?.key?.startsWith;
  const asked = new Set<string | undefined>();
  // Notes every listing asked for; it never fires.
  sim.faults.add({ operation: 'paginatedContent', when: (req) => (asked.add(prefixOf(req)), false), status: 500 });
  sim.faults.add({ operation: 'paginatedContent', when: (req) => prefixOf(req) === `${partialOf(SPACES[1]!)}/`, status: 500 });
  let overlapped = false;
  // The first space is answered only once the last one was asked for: the listings ran side by side.
  sim.faults.add({
    operation: 'paginatedContent',
    when: (req) => prefixOf(req) === `${partialOf(SPACES[0]!)}/`,
    hold: async () => {
      await until(() => asked.has(`${partialOf(SPACES[2]!)}/`), 'the third space asked for');
      overlapped = true;
    },
  });
  const records = SPACES.flatMap((space, i) => [pageIn(space, `${i}000`), pageIn(space, `${i}001`)]);
  const bySpace = await listStoredBySpace(records, { tenant: { ...tenant, processing: { ...tenant.processing, concurrency: 4 } }, content: clients.content, logger: ctx.log });
  t.ok(overlapped, 'the three listings were in flight together');
  t.same([...bySpace.keys()].sort(), [partialOf(SPACES[0]!), partialOf(SPACES[2]!)].sort(), 'the failed space is absent, not empty');
  t.same(bySpace.get(partialOf(SPACES[2]!))?.get(`${partialOf(SPACES[2]!)}/2001`)?.metadata, { n: 1 });
  const warned = logs.filter((line) => line.msg === 'Stored contents not listed, recovery and included pages unchecked for the space this cycle');
  t.same(warned.map((line) => line.partialKey), [partialOf(SPACES[1]!)], 'one WARN naming the space');
});
