/**
 * Multi-cycle behaviour: what a change in Confluence does to Unique on the next cycle
 * (edit, delete, unlabel, a space losing all its labels, a page moving space), and the
 * v1 key format.
 */
import t, { type Test } from 'tap';
import { startCycleHarness, type CycleHarnessOptions } from '../helpers/cycle-harness.js';
import { ENG, HR, OPS, SINGLE, bodyRequests, later, page, registrations } from './support/scenario.js';

const scenario = () => ({
  spaces: [ENG, OPS, HR],
  content: [
    page('5001', 'ENG', { labels: SINGLE }),
    page('5002', 'ENG', { labels: SINGLE }),
    page('6001', 'OPS', { labels: SINGLE }),
    page('7001', 'HR', { labels: SINGLE }),
  ],
});

async function synced(t: Test, options: CycleHarnessOptions = {}) {
  const h = await startCycleHarness(scenario(), options);
  t.teardown(h.close);
  await h.sync();
  h.unique.clearRequests();
  h.confluence.clearRequests();
  return h;
}

t.test('an edited page is re-ingested under the same Unique content id with the new bytes', async (t) => {
  const h = await synced(t);
  const before = h.unique.state.content('acme/4101_ENG/5001')!;
  h.confluence.state.updateContent('5001', { body: '<p>Second edition of the page.</p>', version: { number: 2, when: later() } });
  const result = await h.sync();
  t.equal(result.summary.updated, 1);
  t.equal(result.summary.new, 0);
  t.equal(result.summary.ingested, 1);
  const after = h.unique.state.content('acme/4101_ENG/5001')!;
  t.equal(after.id, before.id, 'same content id');
  t.match(after.uploaded?.text, /Second edition/);
  t.notMatch(after.uploaded?.text, /Body of page 5001/);
  t.equal(registrations(h).length, 1, 'only the edited page was registered');
  t.equal(bodyRequests(h), 1, 'one body fetch for the one changed page');
  t.same(h.contentDeletions(), [], 'an update deletes nothing');
});

t.test('a deleted page is removed from Unique', async (t) => {
  const h = await synced(t);
  const id = h.unique.state.content('acme/4101_ENG/5002')!.id;
  h.confluence.state.removeContent('5002');
  const result = await h.sync();
  t.equal(result.summary.deleted, 1);
  t.notOk(h.storedKeys().includes('acme/4101_ENG/5002'));
  t.ok(h.storedKeys().includes('acme/4101_ENG/5001'), 'its neighbour stays');
  t.same(h.contentDeletions().map((d) => d.id), [id]);
});

t.test('a page whose label was removed is removed from Unique', async (t) => {
  const h = await synced(t);
  h.confluence.state.setLabels('5002', ['something-else']);
  await h.sync();
  t.same(h.storedKeys(), ['acme/4101_ENG/5001', 'acme/4102_OPS/6001', 'acme/4103_HR/7001']);
});

t.test('a space whose pages all lost their labels loses its scope and its content (orphan clean-up)', async (t) => {
  const h = await synced(t);
  const hrScope = h.unique.state.scopes().find((s) => s.externalId === 'confc:acme:4103:HR');
  t.ok(hrScope, 'the HR space scope exists after the first cycle');
  h.confluence.state.setLabels('7001', []);
  const result = await h.sync();
  t.equal(result.summary.orphanedSpaces, 1);
  t.notOk(h.storedKeys().some((key) => key.startsWith('acme/4103_HR/')), 'HR content deleted');
  t.notOk(h.unique.state.scope(hrScope!.id), 'HR scope deleted');
  t.ok(h.unique.state.scopes().some((s) => s.externalId === 'confc:acme:4101:ENG'), 'other space scopes stay');
  h.unique.state.checkInvariants();
});

t.test('a page moved to another space is ingested under the new space key and deleted under the old one', async (t) => {
  const h = await synced(t);
  const oldId = h.unique.state.content('acme/4101_ENG/5002')!.id;
  h.confluence.state.moveContent('5002', { spaceKey: 'OPS' });
  const result = await h.sync();
  t.same(h.storedKeys(), ['acme/4101_ENG/5001', 'acme/4102_OPS/5002', 'acme/4102_OPS/6001', 'acme/4103_HR/7001']);
  const moved = h.unique.state.content('acme/4102_OPS/5002')!;
  t.not(moved.id, oldId, 'new content under the new partial key');
  const opsScope = h.unique.state.scopes().find((s) => s.externalId === 'confc:acme:4102:OPS');
  t.equal(moved.ownerId, opsScope?.id, 'owned by the new space scope');
  t.same(h.contentDeletions().map((d) => d.key), ['acme/4101_ENG/5002']);
  t.equal(result.summary.new, 1);
  t.equal(result.summary.deleted, 1);
});

t.test('the v1 key format stores keys without the tenant prefix and cleans them up by that prefix', async (t) => {
  const h = await synced(t, { useV1KeyFormat: true });
  t.same(h.storedKeys(), ['4101_ENG/5001', '4101_ENG/5002', '4102_OPS/6001', '4103_HR/7001']);
  const diffs = h.unique.requests.filter((r) => r.path.endsWith('/file-diff'));
  t.same(diffs, [], 'requests were cleared after the first cycle');
  t.ok(h.unique.state.scopes().some((s) => s.externalId === 'confc:acme:4103:HR'), 'space marks keep the tenant');

  h.confluence.state.removeContent('5002');
  h.confluence.state.setLabels('7001', []);
  const result = await h.sync();
  const partialKeys = h.unique.requests.filter((r) => r.path.endsWith('/file-diff')).map((r) => (r.variables as { partialKey: string }).partialKey).sort();
  t.same(partialKeys, ['4101_ENG', '4102_OPS']);
  t.same(h.storedKeys(), ['4101_ENG/5001', '4102_OPS/6001'], 'deleted page and orphaned space removed');
  t.equal(result.summary.orphanedSpaces, 1);
});

t.test('a renamed space key is handled as the old space orphaned and the new space new', async (t) => {
  const h = await synced(t);
  const oldScope = h.unique.state.scopes().find((s) => s.externalId === 'confc:acme:4103:HR')!;
  h.confluence.state.renameSpaceKey('HR', 'PEOPLE');
  const result = await h.sync();
  t.same(h.storedKeys(), ['acme/4101_ENG/5001', 'acme/4101_ENG/5002', 'acme/4102_OPS/6001', 'acme/4103_PEOPLE/7001']);
  t.notOk(h.unique.state.scope(oldScope.id), 'the old space scope is gone');
  const renamed = h.unique.state.scopes().find((s) => s.externalId === 'confc:acme:4103:PEOPLE');
  t.equal(renamed?.path, '/Company KB/Confluence/PEOPLE');
  t.equal(result.summary.orphanedSpaces, 1);
  h.unique.state.checkInvariants();
});

t.test('a root child scope with a foreign external id survives orphan clean-up', async (t) => {
  const h = await synced(t);
  const foreign = h.unique.state.addScope({ name: 'Manual uploads', parentId: 'scope_root', externalId: 'something-else' });
  const unmarked = h.unique.state.addScope({ name: 'Notes', parentId: 'scope_root' });
  h.confluence.state.setLabels('7001', []);
  await h.sync();
  t.ok(h.unique.state.scope(foreign.id));
  t.ok(h.unique.state.scope(unmarked.id));
  t.notOk(h.unique.state.scopes().some((s) => s.externalId === 'confc:acme:4103:HR'));
});

t.test('a failing orphaned space does not stop the clean-up of the others', async (t) => {
  const h = await synced(t);
  h.confluence.state.setLabels('6001', []);
  h.confluence.state.setLabels('7001', []);
  h.unique.faults.add({ operation: 'deleteFolder', failedFolders: true, times: 1 });
  const result = await h.sync();
  t.equal(result.summary.orphanedSpaces, 1, 'one of the two orphaned scopes is deleted');
  const left = h.unique.state.scopes().filter((s) => s.externalId === 'confc:acme:4102:OPS' || s.externalId === 'confc:acme:4103:HR');
  t.equal(left.length, 1, 'the failed one stays for the next cycle');
  t.same(h.storedKeys(), ['acme/4101_ENG/5001', 'acme/4101_ENG/5002'], 'content of both orphaned spaces is gone');
  await h.sync();
  t.same(h.unique.state.scopes().filter((s) => s.parentId === 'scope_root').map((s) => s.externalId), ['confc:acme:4101:ENG']);
});

t.test('a space scope found at its path with a wrong external id gets the space mark', async (t) => {
  const h = await startCycleHarness(scenario(), {
    uniqueScenario: {
      scopes: [
        { id: 'scope_kb', name: 'Company KB', parentId: null },
        { id: 'scope_root', name: 'Confluence', parentId: 'scope_kb' },
        { id: 'scope_eng', name: 'ENG', parentId: 'scope_root', externalId: 'confc:oldname:4101:ENG' },
      ],
    },
  });
  t.teardown(h.close);
  await h.sync();
  t.equal(h.unique.state.scope('scope_eng')?.externalId, 'confc:acme:4101:ENG');
  t.equal(h.unique.state.content('acme/4101_ENG/5001')?.ownerId, 'scope_eng');
});
