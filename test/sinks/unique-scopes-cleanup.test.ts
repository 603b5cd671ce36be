import t from 'tap';
import { cleanupDeletedTenant } from '../../src/sinks/unique-scopes/deleted-tenant.js';
import { cleanupOrphanedSpaces } from '../../src/sinks/unique-scopes/orphans.js';
import { AUTH_MODES, CLOUD_ID, setup } from '../unique/support/unique-setup.js';

const MARK = `confc:cloud:${CLOUD_ID}`;
const BASE = [
  { id: 'scope_root', name: 'Company KB', parentId: null },
  { id: 'scope_confluence', name: 'Confluence', parentId: 'scope_root', externalId: MARK },
];
const ORPHAN_SCOPES = [
  ...BASE,
  { id: 'scope_eng', name: 'ENG', parentId: 'scope_confluence', externalId: 'confc:acme:98305:ENG' },
  { id: 'scope_old', name: 'OLD', parentId: 'scope_confluence', externalId: 'confc:acme:98307:OLD' },
  { id: 'scope_gone', name: 'GONE', parentId: 'scope_confluence', externalId: 'confc:beta:98308:GONE' },
  { id: 'scope_foreign', name: 'Manual', parentId: 'scope_confluence', externalId: 'sharepoint:site-1' },
  { id: 'scope_short', name: 'Short', parentId: 'scope_confluence', externalId: 'confc:acme:98309' },
  { id: 'scope_plain', name: 'Plain', parentId: 'scope_confluence' },
];
const contents = (partial: string, owner: string, count: number) => Array.from({ length: count }, (_, i) => ({ key: `${partial}/${100 + i}`, ownerId: owner }));
const ORPHAN_CONTENTS = [
  ...contents('acme/98305_ENG', 'scope_eng', 3),
  ...contents('acme/98307_OLD', 'scope_old', 25),
  ...contents('beta/98308_GONE', 'scope_gone', 2),
  ...contents('acme/98309_X', 'scope_short', 1),
];

for (const authMode of AUTH_MODES) {
  t.test(`orphaned spaces lose their content by prefix, then their scope (${authMode})`, async (t) => {
    const s = await setup(t, authMode, { scenario: { scopes: ORPHAN_SCOPES, contents: ORPHAN_CONTENTS } });
    const result = await cleanupOrphanedSpaces(s.ctx, 'scope_confluence', ['ENG', 'NEW']);
    t.same(result, { skipped: false, checked: 6, orphaned: 2, deletedContents: 27, deletedScopes: 2, failed: 0 });
    t.equal(s.sim.state.scope('scope_old'), undefined);
    t.equal(s.sim.state.scope('scope_gone'), undefined, 'matched by space key, whatever the tenant segment');
    for (const kept of ['scope_eng', 'scope_foreign', 'scope_short', 'scope_plain', 'scope_confluence']) t.ok(s.sim.state.scope(kept), `${kept} kept`);
    t.same(s.sim.state.contents().map((c) => c.ownerId).sort(), ['scope_eng', 'scope_eng', 'scope_eng', 'scope_short']);
    const oldDeletions = s.sim.state.deletions().filter((d) => d.key.startsWith('acme/98307_OLD/'));
    t.ok(oldDeletions.length === 25 && oldDeletions.every((d) => d.via === 'contentDeleteByContentIds'), 'content deleted by id, not by the folder');
    const lastOldQuery = s.sim.requests.findLastIndex((r) => r.operation === 'paginatedContent' && JSON.stringify(r.variables).includes('98307_OLD/'));
    const oldFolder = s.sim.requests.findIndex((r) => r.operation === 'deleteFolder' && (r.variables as { scopeId: string }).scopeId === 'scope_old');
    t.ok(lastOldQuery > 0 && oldFolder > lastOldQuery, 'the scope goes after its content is gone');
    t.same(s.sim.requests.filter((r) => r.operation === 'deleteFolder').map((r) => r.variables), [
      { scopeId: 'scope_old', recursive: false },
      { scopeId: 'scope_gone', recursive: false },
    ]);
    t.same(s.logs.filter((l) => l.level === 30).map((l) => l.msg), ['Orphaned space clean-up finished']);
  });
}

t.test('no discovered space means no clean-up at all', async (t) => {
  const s = await setup(t, 'cluster_local', { scenario: { scopes: ORPHAN_SCOPES, contents: ORPHAN_CONTENTS } });
  const result = await cleanupOrphanedSpaces(s.ctx, 'scope_confluence', []);
  t.equal(result.skipped, true);
  t.equal(s.sim.requests.length, 0);
  t.equal(s.sim.state.contents().length, ORPHAN_CONTENTS.length);
});

t.test('one failing orphan does not stop the others', async (t) => {
  const s = await setup(t, 'cluster_local', { scenario: { scopes: ORPHAN_SCOPES, contents: ORPHAN_CONTENTS } });
  s.sim.faults.add({ operation: 'paginatedContent', status: 500, graphqlError: 'db down', when: (req) => JSON.stringify(req.variables).includes('98307_OLD') });
  const result = await cleanupOrphanedSpaces(s.ctx, 'scope_confluence', ['ENG']);
  t.equal(result.failed, 1);
  t.equal(result.deletedScopes, 1);
  t.ok(s.sim.state.scope('scope_old'), 'the failing space keeps its scope for the next cycle');
  t.equal(s.sim.state.scope('scope_gone'), undefined, 'the other orphan was cleaned');
  const warning = s.logs.find((l) => l.level === 40);
  t.match(warning, { msg: 'Orphaned space clean-up failed', scopeId: 'scope_old', spaceKey: 'OLD', code: 'UNIQUE_GRAPHQL_ERROR' });
});

t.test('with the v1 key format the prefix has no tenant segment', async (t) => {
  const s = await setup(t, 'cluster_local', {
    useV1KeyFormat: true,
    scenario: { scopes: ORPHAN_SCOPES, contents: [...contents('98307_OLD', 'scope_old', 2), ...contents('acme/98307_OLD', 'scope_confluence', 1)] },
  });
  const result = await cleanupOrphanedSpaces(s.ctx, 'scope_confluence', ['ENG', 'GONE']);
  t.equal(result.deletedContents, 2);
  t.same(s.sim.state.contents().map((c) => c.key), ['acme/98307_OLD/100'], 'only the v1 prefix was deleted');
});

const TENANT_SCOPES = [
  ...BASE,
  { id: 'scope_eng', name: 'ENG', parentId: 'scope_confluence', externalId: 'confc:acme:98305:ENG' },
  { id: 'scope_eng_sub', name: 'Archive', parentId: 'scope_eng' },
  { id: 'scope_hr', name: 'HR', parentId: 'scope_confluence', externalId: 'confc:acme:98306:HR' },
];
const TENANT_CONTENTS = [...contents('acme/98305_ENG', 'scope_eng', 25), ...contents('acme/98306_HR', 'scope_hr', 2), { key: 'misc/1', ownerId: 'scope_eng_sub' }];

for (const authMode of AUTH_MODES) {
  t.test(`a deleted tenant loses its content and child scopes, keeps the root and clears the mark (${authMode})`, async (t) => {
    const s = await setup(t, authMode, { scenario: { scopes: TENANT_SCOPES, contents: [...TENANT_CONTENTS, { key: 'else/1', ownerId: 'scope_root' }] } });
    const result = await cleanupDeletedTenant(s.ctx);
    t.same(result, { children: 2, deletedContents: 27, failedContents: 0, deletedScopes: 2, failedScopes: 0, markCleared: true });
    t.same(s.sim.state.scopes().map((x) => x.id).sort(), ['scope_confluence', 'scope_root']);
    t.equal(s.sim.state.scope('scope_confluence')?.externalId, null);
    t.same(s.sim.state.contents().map((c) => c.key), ['else/1']);
    t.same(s.sim.requests.filter((r) => r.operation === 'contentDeleteByContentIds').map((r) => (r.variables as { contentIds: string[] }).contentIds.length), [20, 5, 2]);
    t.same(s.sim.requests.filter((r) => r.operation === 'deleteFolder').map((r) => r.variables), [
      { scopeId: 'scope_eng', recursive: true },
      { scopeId: 'scope_hr', recursive: true },
    ]);
    t.notOk(s.sim.requests.some((r) => r.operation === 'deleteFolder' && (r.variables as { scopeId: string }).scopeId === 'scope_confluence'), 'the root is never deleted');
  });
}

t.test('the mark stays when anything failed, and the next run finishes the job', async (t) => {
  const s = await setup(t, 'cluster_local', { scenario: { scopes: TENANT_SCOPES, contents: TENANT_CONTENTS } });
  s.sim.faults.add({ operation: 'deleteFolder', failedFolders: true, times: 1 });
  const first = await cleanupDeletedTenant(s.ctx);
  t.match(first, { failedScopes: 1, deletedScopes: 1, markCleared: false });
  t.equal(s.sim.state.scope('scope_confluence')?.externalId, MARK, 'a set mark means "retry me"');
  t.notOk(s.operations().includes('updateScope'));
  t.match(s.logs.find((l) => l.level === 40), { msg: 'A scope of a deleted tenant could not be deleted', scopeId: 'scope_eng' });

  const second = await cleanupDeletedTenant(s.ctx);
  t.match(second, { children: 1, failedScopes: 0, markCleared: true });
  t.equal(s.sim.state.scope('scope_confluence')?.externalId, null);
});

t.test('a deleted tenant whose root is gone or already clean is skipped', async (t) => {
  const gone = await setup(t, 'cluster_local', { rootScopeId: 'scope_missing' });
  t.equal((await cleanupDeletedTenant(gone.ctx)).skipped, 'root-absent');
  const clean = await setup(t, 'cluster_local', { scenario: { contents: [{ key: 'acme/1_A/1', ownerId: 'scope_confluence' }] } });
  t.equal((await cleanupDeletedTenant(clean.ctx)).skipped, 'already-clean');
  t.same(clean.operations(), ['paginatedScope'], 'one read, nothing else');
  t.equal(clean.sim.state.contents().length, 1);
});
