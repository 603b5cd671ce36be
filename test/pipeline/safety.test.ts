/**
 * The cycle's brakes: the diff safety guards, root ownership, the migration of an old
 * root, the deleted-tenant clean-up and the dry run. Each either refuses to write or
 * writes exactly what the Unique contract (§10.2, §10.6, §12) allows.
 */
import t from 'tap';
import { DEFAULT_MANIFEST_ID } from '../simulators/confluence/index.js';
import { ROOT_SCOPE, startCycleHarness } from '../helpers/cycle-harness.js';
import { ENG, HR, SINGLE, later, page, rejection, storedIds, uniqueMutations } from './support/scenario.js';

const MARK = `confc:data-center:${DEFAULT_MANIFEST_ID}`;
const ONPREM = 'ATLASSIAN_CONFLUENCE_ONPREM';

const twoSpaces = () => ({
  spaces: [ENG, HR],
  content: [page('5001', 'ENG', { labels: SINGLE }), page('5002', 'ENG', { labels: SINGLE }), page('7001', 'HR', { labels: SINGLE })],
});

t.test('safety guards', async (t) => {
  t.test('a deleted key that is submitted again (old key format still stored) trips the full-deletion guard and writes nothing', async (t) => {
    const h = await startCycleHarness(twoSpaces(), { uniqueScenario: { diffMatchesOtherPrefixes: true } });
    t.teardown(h.close);
    // Stored by an earlier run with the v1 key format; the service matches it to this space (§14.15).
    h.unique.state.addContent({ key: '4103_HR/7001', ownerId: ROOT_SCOPE, sourceKind: ONPREM, sourceName: h.confluence.baseUrl });
    const error = await rejection(h.sync());
    t.equal(error.code, 'SAFETY_GUARD_TRIPPED');
    const diffs = h.unique.requests.filter((r) => r.path.endsWith('/file-diff')).map((r) => (r.variables as { partialKey: string }).partialKey);
    t.same(diffs, ['acme/4101_ENG', 'acme/4103_HR'], 'ENG (all new) was diffed before HR tripped');
    t.same(h.uniqueWrites(), [], 'nothing written, not even for the space diffed first');
    t.same(h.storedKeys(), ['4103_HR/7001']);
  });

  t.test('all stored items of a space deleted with nothing new trips the full-deletion guard and writes nothing', async (t) => {
    const h = await startCycleHarness(twoSpaces(), { uniqueScenario: { diffMatchesOtherPrefixes: true } });
    t.teardown(h.close);
    await h.sync();
    h.unique.clearRequests();
    // One stored item under the partial key (5001 is unlabelled now) and a stray one the service attributes to the space.
    h.confluence.state.setLabels('5002', []);
    h.unique.state.addContent({ key: '4101_ENG/9999', ownerId: ROOT_SCOPE, sourceKind: ONPREM, sourceName: h.confluence.baseUrl });
    h.confluence.state.removeContent('5001');
    h.confluence.state.addContent(page('5003', 'ENG', { labels: SINGLE }));
    h.unique.state.addContent({ key: 'acme/4101_ENG/5003', ownerId: ROOT_SCOPE, sourceKind: ONPREM, sourceName: h.confluence.baseUrl, updatedAt: later() });
    const before = h.storedKeys();
    const error = await rejection(h.sync());
    t.equal(error.code, 'SAFETY_GUARD_TRIPPED');
    t.same(h.uniqueWrites(), []);
    t.same(h.storedKeys(), before);
  });

  t.test('an empty discovery while Unique holds the tenant content deletes nothing', async (t) => {
    const h = await startCycleHarness(twoSpaces());
    t.teardown(h.close);
    await h.sync();
    h.unique.clearRequests();
    for (const id of ['5001', '5002', '7001']) h.confluence.state.setLabels(id, []);
    const result = await h.sync();
    t.equal(result.summary.discovered, 0);
    t.same(h.uniqueWrites(), []);
    t.same(storedIds(h), ['5001', '5002', '7001']);
    t.ok(h.logs.lines().some((line) => line.msg === 'Discovery found no page; nothing is deleted this cycle' && line.level === 40), 'and says so at WARN');
  });

  t.test(
    'an empty discovery while Unique holds the tenant content trips the zero-submission guard',
    {
      todo: 'design: the diff runs only for discovered spaces, so its fileList is never empty and the §12.1 guard cannot trip in a cycle; needs a tenant-level check (see report)',
    },
    async (t) => {
      const h = await startCycleHarness(twoSpaces());
      t.teardown(h.close);
      await h.sync();
      h.unique.clearRequests();
      for (const id of ['5001', '5002', '7001']) h.confluence.state.setLabels(id, []);
      const error = await rejection(h.sync()).catch(() => ({ code: 'resolved', message: '' }));
      t.equal(error.code, 'SAFETY_GUARD_TRIPPED');
      t.same(h.uniqueWrites(), []);
    },
  );
});

t.test('a root scope marked by another Confluence instance aborts the cycle before discovery', async (t) => {
  const h = await startCycleHarness(twoSpaces(), {
    uniqueScenario: {
      scopes: [
        { id: 'scope_kb', name: 'Company KB', parentId: null },
        { id: ROOT_SCOPE, name: 'Confluence', parentId: 'scope_kb', externalId: 'confc:data-center:another-instance' },
      ],
    },
  });
  t.teardown(h.close);
  const error = await rejection(h.sync());
  t.equal(error.code, 'OWNERSHIP_MISMATCH');
  t.same(h.uniqueWrites(), []);
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, 'confc:data-center:another-instance', 'the foreign mark is left alone');
  t.notOk(h.confluence.requests.some((r) => r.path.endsWith('/content/search')), 'no discovery ran');
});

t.test('an old root holding the mark hands its space scopes over to the new root, which claims the mark', async (t) => {
  const h = await startCycleHarness(twoSpaces(), {
    uniqueScenario: {
      scopes: [
        { id: 'scope_kb', name: 'Company KB', parentId: null },
        { id: ROOT_SCOPE, name: 'Confluence', parentId: 'scope_kb' },
        { id: 'scope_old', name: 'Old Confluence', parentId: 'scope_kb', externalId: MARK },
        { id: 'scope_old_eng', name: 'ENG', parentId: 'scope_old', externalId: 'confc:acme:4101:ENG' },
      ],
      contents: [{ key: 'acme/4101_ENG/5001', id: 'cont_kept', ownerId: 'scope_old_eng', sourceKind: ONPREM }],
    },
  });
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(result.outcome, 'succeeded');
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, MARK, 'the new root holds the mark');
  t.notOk(h.unique.state.scope('scope_old'), 'the old root is deleted');
  t.equal(h.unique.state.scope('scope_old_eng')?.parentId, ROOT_SCOPE, 'its space scope moved under the new root');
  t.equal(h.unique.state.content('acme/4101_ENG/5001')?.id, 'cont_kept', 'moved content is kept, not re-created');
  t.equal(h.unique.state.content('acme/4101_ENG/5002')?.ownerId, 'scope_old_eng', 'new content of the space lands in the moved scope');
  t.same(storedIds(h), ['5001', '5002', '7001']);
  h.unique.state.checkInvariants();
});

t.test('a deleted tenant loses its child content and scopes, keeps its root and has its mark cleared', async (t) => {
  const h = await startCycleHarness(twoSpaces());
  t.teardown(h.close);
  await h.sync();
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, MARK);
  t.equal(h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE).length, 2);

  h.tenant.status = 'deleted';
  const result = await h.cleanupDeleted();
  t.equal(result.markCleared, true);
  t.equal(result.deletedScopes, 2);
  t.equal(result.deletedContents, 3);
  t.same(h.storedKeys(), []);
  t.same(h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE), [], 'no child scope left');
  t.ok(h.unique.state.scope(ROOT_SCOPE), 'the root is kept');
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, null, 'its mark is cleared (the "done" marker)');

  h.unique.clearRequests();
  const again = await h.cleanupDeleted();
  t.equal(again.skipped, 'already-clean', 'a second run has nothing to do');
  t.same(h.uniqueWrites(), []);
});

t.test('a dry run writes nothing and returns the plan', async (t) => {
  const h = await startCycleHarness(twoSpaces());
  t.teardown(h.close);
  const first = await h.sync({ dryRun: true });
  t.equal(first.outcome, 'dry-run');
  t.same(first.plan?.changed.map((r) => r.id).sort(), ['5001', '5002', '7001']);
  t.same(uniqueMutations(h), [], 'not even a grant or a mark');
  t.same(h.storedKeys(), []);
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, null, 'the mark is not claimed');

  await h.sync();
  h.unique.clearRequests();
  h.confluence.clearRequests();
  h.confluence.state.updateContent('5001', { body: '<p>edited</p>', version: { number: 2, when: later() } });
  h.confluence.state.removeContent('5002');
  const plan = (await h.sync({ dryRun: true })).plan!;
  const eng = plan.spaces.find((s) => s.space.key === 'ENG')!;
  t.same(eng.updatedKeys, ['5001']);
  t.same(eng.deletedKeys, ['5002']);
  t.same(plan.changed.map((r) => r.id), ['5001']);
  t.same(uniqueMutations(h), []);
  t.same(storedIds(h), ['5001', '5002', '7001'], 'nothing deleted');
  t.notOk(h.confluence.requests.some((r) => r.query.expand?.includes('body.storage')), 'no bodies fetched in a dry run');
});

t.test('with scope reads restricted, the cycle grants itself access before reading the root and its ancestors', async (t) => {
  const h = await startCycleHarness(twoSpaces(), { uniqueScenario: { enforceScopeReadAccess: true } });
  t.teardown(h.close);
  await h.sync();
  t.same(storedIds(h), ['5001', '5002', '7001']);
  const grants = h.unique.requests.filter((r) => r.operation === 'createScopeAccesses').map((r) => (r.variables as { scopeId: string }).scopeId);
  t.same(grants, [ROOT_SCOPE, 'scope_kb']);
});

t.test(
  'a dry run before the first sync works while scope reads are restricted',
  {
    todo: 'design: a dry run skips the self-grant, so a root the service user cannot read yet looks missing (UNIQUE_SCOPE_NOT_FOUND); test/sinks/unique-scopes-init.test.ts deliberately expects that failure (see report)',
  },
  async (t) => {
    const h = await startCycleHarness(twoSpaces(), { uniqueScenario: { enforceScopeReadAccess: true } });
    t.teardown(h.close);
    const result = await h.sync({ dryRun: true }).catch((error: Error) => ({ outcome: error.message, plan: undefined }));
    t.equal(result.outcome, 'dry-run');
    t.equal(result.plan?.changed.length, 3);
    t.same(uniqueMutations(h), []);
  },
);

t.test('a deleted tenant whose clean-up partly fails keeps its mark and finishes on the next run', async (t) => {
  const h = await startCycleHarness(twoSpaces());
  t.teardown(h.close);
  await h.sync();
  h.tenant.status = 'deleted';
  h.unique.faults.add({ operation: 'deleteFolder', failedFolders: true, times: 1 });
  const first = (await rejection(h.cleanupDeleted())) as { code?: string; details?: Record<string, unknown> };
  t.equal(first.code, 'CLEANUP_INCOMPLETE', 'a clean-up that leaves anything behind is a failed cycle');
  t.match(first.details, { failedScopes: 1, deletedScopes: 1 }, 'the other space is still cleaned up');
  t.equal(h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE).length, 1);
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, MARK, 'a set mark means "retry me"');
  const second = await h.cleanupDeleted();
  t.equal(second.markCleared, true);
  t.same(h.unique.state.scopes().filter((s) => s.parentId === ROOT_SCOPE), []);
  t.same(h.storedKeys(), []);
});

t.test('a migration whose old root cannot be deleted aborts the cycle before discovery', async (t) => {
  const h = await startCycleHarness(twoSpaces(), {
    uniqueScenario: {
      scopes: [
        { id: 'scope_kb', name: 'Company KB', parentId: null },
        { id: ROOT_SCOPE, name: 'Confluence', parentId: 'scope_kb' },
        { id: 'scope_old', name: 'Old Confluence', parentId: 'scope_kb', externalId: MARK },
      ],
    },
  });
  t.teardown(h.close);
  h.unique.faults.add({ operation: 'deleteFolder', failedFolders: true });
  const error = await rejection(h.sync());
  t.equal(error.code, 'UNIQUE_SCOPE_MIGRATION_FAILED');
  t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, null, 'the mark is not claimed');
  t.equal(h.unique.state.scope('scope_old')?.externalId, MARK);
  t.notOk(h.confluence.requests.some((r) => r.path.endsWith('/content/search')), 'no discovery ran');
});

t.test('a listing cut short by processing.maxItemsToScan deletes nothing', async (t) => {
  const h = await startCycleHarness(twoSpaces());
  t.teardown(h.close);
  await h.sync();
  h.tenant.processing.maxItemsToScan = 1;
  const result = await h.sync();
  t.equal(result.summary.deleted, 0);
  t.equal(result.summary.orphanedSpaces, 0);
  t.same(storedIds(h), ['5001', '5002', '7001'], 'what was not seen is not gone');
});

t.test('a deleted tenant refuses to empty a root that another Confluence instance now owns', async (t) => {
  const h = await startCycleHarness(twoSpaces());
  t.teardown(h.close);
  await h.sync();
  h.tenant.status = 'deleted';
  h.unique.state.setExternalId(ROOT_SCOPE, 'confc:data-center:another-instance');
  h.unique.clearRequests();
  const error = (await h.cleanupDeleted().catch((caught: unknown) => caught)) as { code?: string };
  t.equal(error.code, 'OWNERSHIP_MISMATCH');
  t.same(h.uniqueWrites(), [], 'nothing deleted');
  t.equal(h.storedKeys().length, 3);
});
