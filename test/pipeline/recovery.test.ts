/**
 * Recovery of interrupted items (issue 10, finding 1). The file-diff counts a
 * registration as an upsert (Unique contract §5, §4.9), so an item registered and
 * never finalized looked unchanged to every later diff and stayed without bytes
 * forever. Registrations now carry a pending mark that the finalization removes; the
 * next cycle re-ingests every item whose stored content still has one, reading the
 * space's contents once (the listing the included-page stage already made).
 */
import t, { type Test } from 'tap';
import { explainPage } from '../../src/explain/explain.js';
import { formatExplanation } from '../../src/explain/format.js';
import { startCycleHarness, type CycleHarness } from '../helpers/cycle-harness.js';
import { ENG, SINGLE, page } from './support/scenario.js';

/** Every stored content is finalized with its bytes and without a pending mark. */
function assertAllFinalized(t: Test, h: CycleHarness): void {
  for (const content of h.unique.state.contents()) {
    t.ok(content.uploaded !== null && content.updatedAt !== null && content.ingestionState === 'FINISHED', `${content.key} is finalized with its bytes`);
    t.notOk(content.metadata !== null && 'pendingIngestionAttempt' in content.metadata, `${content.key} carries no pending mark`);
  }
}

/** An upload that fails hard and a clean-up that fails too: what a kill between registration and finalization leaves. */
function leaveOneHalfWritten(h: CycleHarness): void {
  h.unique.faults.add({ path: '/scoped/upload', after: 1, times: 1, status: 500 });
  h.unique.faults.add({ operation: 'contentDeleteByContentIds', times: 1, graphqlError: 'deletion refused' });
}

t.test('an item registered but never finalized is re-ingested by the next cycle, though the file-diff calls it unchanged', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: ['5001', '5002', '5003'].map((id) => page(id, 'ENG', { labels: SINGLE })) }, { concurrency: 1 });
  t.teardown(h.close);
  leaveOneHalfWritten(h);
  const first = await h.sync();
  t.equal(first.summary.failed, 1);
  const halfWritten = h.unique.state.contents().filter((content) => content.uploaded === null);
  t.equal(halfWritten.length, 1, 'one content registered without bytes');
  const key = halfWritten[0]!.key;
  t.match(halfWritten[0]!.metadata, { pendingIngestionAttempt: /^att-/ });

  const rt = h.runtime();
  const explained = await explainPage(rt, key.slice(key.lastIndexOf('/') + 1)).finally(() => rt.close());
  t.match(explained.unique, [{ key, stored: true, interrupted: true }], 'explain says it was interrupted');
  t.match(formatExplanation(explained), /interrupted: never finalized, the next cycle re-ingests it/);

  const second = await h.sync();
  const space = second.plan!.spaces[0]!;
  const itemKey = key.slice(key.lastIndexOf('/') + 1);
  t.same([...space.newKeys, ...space.updatedKeys], [], 'the file-diff reports it unchanged (registration counted as an upsert)');
  t.same(space.recoveredKeys, [itemKey], 'the pending mark makes it changed');
  t.equal(second.summary.recovered, 1);
  t.equal(second.summary.ingested, 1);
  t.equal(second.summary.unchanged, 2);
  t.match(h.unique.state.content(key)?.uploaded?.text, /Body of page/);
  assertAllFinalized(t, h);

  const third = await h.sync();
  t.equal(third.summary.recovered, 0, 'recovered once; nothing pending any more');
  t.equal(third.summary.ingested, 0);
});

t.test('an updated page whose new version was registered and never finalized gets its new version next cycle', async (t) => {
  const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE })] }, { concurrency: 1 });
  t.teardown(h.close);
  await h.sync();
  // Edited after the first ingestion, before the second cycle registers it (so only the registration is later).
  const finalizedAt = Date.parse(h.unique.state.content('acme/4101_ENG/5001')!.updatedAt!);
  h.confluence.state.updateContent('5001', { body: '<p>second version</p>', version: { number: 2, when: new Date(finalizedAt + 1).toISOString() } });
  h.unique.faults.add({ path: '/scoped/upload', times: 1, status: 500 });
  h.unique.faults.add({ operation: 'contentDeleteByContentIds', times: 1, graphqlError: 'deletion refused' });
  t.equal((await h.sync()).summary.failed, 1);
  t.equal(h.unique.state.content('acme/4101_ENG/5001')?.uploaded, null, 're-registration dropped the old bytes, the new ones never came');

  const next = await h.sync();
  t.equal(next.summary.recovered, 1);
  t.match(h.unique.state.content('acme/4101_ENG/5001')?.uploaded?.text, /second version/);
  assertAllFinalized(t, h);
});

t.test('recovery costs no request in a no-change cycle: one content listing per space, as before', async (t) => {
  const ids = Array.from({ length: 250 }, (_, i) => String(6001 + i));
  const h = await startCycleHarness({ spaces: [ENG], content: ids.map((id) => page(id, 'ENG', { labels: SINGLE })) }, { concurrency: 8 });
  t.teardown(h.close);
  t.equal((await h.sync()).summary.ingested, 250);
  h.unique.clearRequests();
  const quiet = await h.sync();
  t.equal(quiet.summary.ingested, 0);
  t.equal(quiet.summary.recovered, 0);
  const isLeaseQuery = (r: { variables?: unknown }) => JSON.stringify(r.variables).includes('connector-lease');
  const listings = h.unique.requests.filter((r) => r.operation === 'paginatedContent' && JSON.stringify(r.variables).includes('startsWith') && !isLeaseQuery(r));
  // 250 stored items: pages of 100 → 3 requests, once (shared by included pages and recovery).
  t.equal(listings.length, 3, 'one listing of the space: ceil(250 / 100) requests, none added by recovery');
  t.same([...new Set(listings.map((r) => (r.variables as { skip: number }).skip))], [0, 100, 200], 'each page of the listing read once');
  t.equal(h.uniqueWrites().filter((op) => op === 'contentUpsert' || op.startsWith('PUT')).length, 0, 'nothing written for unchanged items');
  // Besides the listing, content queries are the tenant lease's (its claims listed before claiming and to confirm): a constant per cycle.
  const otherContentQueries = h.unique.requests.filter((r) => r.operation === 'paginatedContent' && !listings.includes(r));
  t.ok(otherContentQueries.every(isLeaseQuery), 'no other content query');
  t.comment(`no-change cycle, 250 items: ${h.unique.requests.length} Unique requests, ${listings.length} listing, ${otherContentQueries.length} lease reads`);
});
