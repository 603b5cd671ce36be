import t from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { initRootScope } from '../../src/sinks/unique-scopes/init.js';
import { AUTH_MODES, CLOUD_ID, setup } from '../unique/support/unique-setup.js';

const MARK = `confc:cloud:${CLOUD_ID}`;
const MUTATIONS = new Set(['createScopeAccesses', 'updateScope', 'generateScopesBasedOnPaths', 'deleteFolder', 'bulkMove', 'contentUpsert', 'contentDeleteByContentIds']);

for (const authMode of AUTH_MODES) {
  t.test(`init grants itself access before each read, claims the mark and builds the root path (${authMode})`, async (t) => {
    const s = await setup(t, authMode, { scenario: { enforceScopeReadAccess: true } });
    const result = await initRootScope(s.ctx);
    t.same(result, { userId: 'user_service', rootScopeId: 'scope_confluence', rootPath: '/Company KB/Confluence', claimed: true, planned: [] });
    const calls = s.sim.requests
      .filter((r) => r.operation !== undefined)
      .map((r) => [r.operation, (r.variables as { scopeId?: string; where?: { id?: { equals: string } } }).scopeId ?? (r.variables as { where?: { id?: { equals: string } } }).where?.id?.equals]);
    t.same(calls, [
      ['me', undefined],
      ['createScopeAccesses', 'scope_confluence'],
      ['paginatedScope', 'scope_confluence'],
      ['paginatedScope', undefined],
      ['updateScope', undefined],
      ['createScopeAccesses', 'scope_root'],
      ['paginatedScope', 'scope_root'],
    ]);
    const grant = s.sim.requests.find((r) => r.operation === 'createScopeAccesses')!.variables;
    t.same(grant, {
      scopeId: 'scope_confluence',
      scopeAccesses: ['MANAGE', 'READ', 'WRITE'].map((accessType) => ({ accessType, entityId: 'user_service', entityType: 'USER' })),
      applyToSubScopes: false,
      skipFileAccessPropagation: true,
    });
    t.equal(s.sim.state.scope('scope_confluence')?.externalId, MARK);
    t.same(s.sim.state.scope('scope_root')?.accesses.map((a) => a.accessType), ['READ'], 'only READ on the ancestor');
    const infos = s.logs.filter((l) => l.level === 30);
    t.same(infos.map((l) => [l.msg, l.stage]), [['Root scope initialised', 'unique-scopes']]);
  });
}

t.test('the mark is claimed once and verified on the next run', async (t) => {
  const s = await setup(t, 'cluster_local');
  t.equal((await initRootScope(s.ctx)).claimed, true);
  s.sim.clearRequests();
  const again = await initRootScope(s.ctx);
  t.equal(again.claimed, false);
  t.notOk(s.operations().includes('updateScope'), 'no second claim');
});

t.test('a root marked by another Confluence instance aborts without writing', async (t) => {
  const s = await setup(t, 'cluster_local', {
    scenario: { scopes: [{ id: 'scope_root', name: 'Company KB', parentId: null }, { id: 'scope_confluence', name: 'Confluence', parentId: 'scope_root', externalId: 'confc:cloud:other-site' }] },
  });
  const error = await initRootScope(s.ctx).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'OWNERSHIP_MISMATCH'));
  if (isConnectorError(error)) t.same(error.details, { rootScopeId: 'scope_confluence', expected: MARK, actual: 'confc:cloud:other-site' });
  t.notOk(s.operations().includes('updateScope'));
  t.equal(s.sim.state.scope('scope_confluence')?.externalId, 'confc:cloud:other-site');
});

t.test('a root that does not exist aborts', async (t) => {
  const s = await setup(t, 'cluster_local', { rootScopeId: 'scope_missing' });
  const error = await initRootScope(s.ctx).catch((e: unknown) => e);
  t.ok(isConnectorError(error), 'the grant on a missing scope already fails');
  t.notOk(s.operations().includes('updateScope'));
  const dry = await initRootScope(s.ctx, { dryRun: true }).catch((e: unknown) => e);
  t.ok(isConnectorError(dry, 'UNIQUE_SCOPE_NOT_FOUND'), 'the lookup reports a missing root');
});

const MIGRATION_SCOPES = [
  { id: 'scope_root', name: 'Company KB', parentId: null },
  { id: 'scope_old', name: 'Old Confluence', parentId: 'scope_root', externalId: MARK },
  { id: 'scope_eng', name: 'ENG', parentId: 'scope_old', externalId: 'confc:acme:98305:ENG' },
  { id: 'scope_hr', name: 'HR', parentId: 'scope_old', externalId: 'confc:acme:98306:HR' },
  { id: 'scope_confluence', name: 'Confluence', parentId: 'scope_root' },
];

t.test('a new root takes over the children of the old root holding the mark', async (t) => {
  const s = await setup(t, 'cluster_local', {
    scenario: { scopes: MIGRATION_SCOPES, contents: [{ key: 'acme/98305_ENG/1', ownerId: 'scope_eng' }] },
  });
  const result = await initRootScope(s.ctx);
  t.equal(result.migratedFrom, 'scope_old');
  t.equal(result.claimed, true);
  t.equal(s.sim.state.scope('scope_old'), undefined, 'old root deleted');
  t.equal(s.sim.state.scope('scope_eng')?.parentId, 'scope_confluence');
  t.equal(s.sim.state.scope('scope_hr')?.path, '/Company KB/Confluence/HR');
  t.equal(s.sim.state.content('acme/98305_ENG/1')?.ownerId, 'scope_eng', 'content moved with its scope');
  t.equal(s.sim.state.scope('scope_confluence')?.externalId, MARK);
  const move = s.sim.requests.find((r) => r.operation === 'bulkMove')!.variables;
  t.same(move, { input: { scopeIds: ['scope_eng', 'scope_hr'], targetScopeId: 'scope_confluence' } });
  t.same(s.sim.requests.find((r) => r.operation === 'deleteFolder')!.variables, { scopeId: 'scope_old', recursive: false });
  t.same(s.operations().filter((op) => ['bulkMove', 'deleteFolder', 'updateScope'].includes(op)), ['bulkMove', 'deleteFolder', 'updateScope'], 'claim after the move');
});

t.test('a failed deletion of the old root aborts before the claim', async (t) => {
  const s = await setup(t, 'cluster_local', { scenario: { scopes: MIGRATION_SCOPES } });
  s.sim.faults.add({ operation: 'deleteFolder', failedFolders: true });
  const error = await initRootScope(s.ctx).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_SCOPE_MIGRATION_FAILED'));
  t.equal(s.sim.state.scope('scope_confluence')?.externalId, null, 'not claimed');
  t.equal(s.sim.state.scope('scope_old')?.externalId, MARK, 'the old root keeps the mark');
});

t.test('the root path is built from every ancestor, each granted READ before it is read', async (t) => {
  const s = await setup(t, 'external', {
    rootScopeId: 'scope_d',
    scenario: {
      enforceScopeReadAccess: true,
      scopes: [
        { id: 'scope_a', name: 'Group', parentId: null },
        { id: 'scope_b', name: 'Knowledge Base', parentId: 'scope_a' },
        { id: 'scope_c', name: 'Wikis', parentId: 'scope_b' },
        { id: 'scope_d', name: 'Confluence Cloud', parentId: 'scope_c' },
      ],
    },
  });
  const result = await initRootScope(s.ctx);
  t.equal(result.rootPath, '/Group/Knowledge Base/Wikis/Confluence Cloud');
  const walk = s.sim.requests
    .filter((r) => r.operation === 'createScopeAccesses' || (r.operation === 'paginatedScope' && (r.variables as { where: { id?: unknown } }).where.id !== undefined))
    .map((r) => `${r.operation === 'createScopeAccesses' ? 'grant' : 'read'}:${(r.variables as { scopeId?: string }).scopeId ?? (r.variables as { where: { id: { equals: string } } }).where.id.equals}`);
  t.same(walk, ['grant:scope_d', 'read:scope_d', 'grant:scope_c', 'read:scope_c', 'grant:scope_b', 'read:scope_b', 'grant:scope_a', 'read:scope_a']);
});

t.test('a dry run only reads and reports the grants, migration and claim it would make', async (t) => {
  const s = await setup(t, 'cluster_local', { scenario: { scopes: MIGRATION_SCOPES } });
  const before = JSON.stringify(s.sim.state.scopes());
  const result = await initRootScope(s.ctx, { dryRun: true });
  t.same(s.operations().filter((op) => MUTATIONS.has(op)), [], 'no mutation sent');
  t.equal(JSON.stringify(s.sim.state.scopes()), before, 'state untouched');
  t.equal(result.claimed, false);
  t.equal(result.rootPath, '/Company KB/Confluence');
  t.same(result.planned, [
    { action: 'grant-access', scopeId: 'scope_confluence', accessTypes: ['MANAGE', 'READ', 'WRITE'] },
    { action: 'migrate', fromScopeId: 'scope_old', childScopeIds: ['scope_eng', 'scope_hr'] },
    { action: 'claim-mark', scopeId: 'scope_confluence', externalId: MARK },
    { action: 'grant-access', scopeId: 'scope_root', accessTypes: ['READ'] },
  ]);
});

t.test('a Data Center root is marked with the manifest id', async (t) => {
  const s = await setup(t, 'cluster_local', { instanceType: 'data-center' });
  const missing = await initRootScope(s.ctx).catch((e: unknown) => e);
  t.ok(isConnectorError(missing, 'CONFIG_INVALID'), 'no instance id, no mark');
  t.equal(s.sim.requests.length, 0, 'checked before any call');
  await initRootScope(s.ctx, { instanceId: 'manifest-7' });
  t.equal(s.sim.state.scope('scope_confluence')?.externalId, 'confc:data-center:manifest-7');
});

t.test('a manifest id still being read overlaps `me` and is awaited before the first write', async (t) => {
  const s = await setup(t, 'cluster_local', { instanceType: 'data-center' });
  let resolveId!: (id: string) => void;
  const instanceId = new Promise<string>((resolve) => (resolveId = resolve));
  const init = initRootScope(s.ctx, { instanceId });
  while (!s.sim.requests.some((r) => r.operation === 'me')) await new Promise((resolve) => setTimeout(resolve, 2));
  await new Promise((resolve) => setTimeout(resolve, 20));
  t.same(s.sim.requests.map((r) => r.operation), ['me'], 'nothing written while the id is unknown');
  resolveId('manifest-8');
  await init;
  t.equal(s.sim.state.scope('scope_confluence')?.externalId, 'confc:data-center:manifest-8');

  const failing = await setup(t, 'cluster_local', { instanceType: 'data-center' });
  const error = await initRootScope(failing.ctx, { instanceId: Promise.reject(new Error('manifest unreachable')) }).catch((e: unknown) => e);
  t.match(error, { message: 'manifest unreachable' });
  t.same(failing.sim.requests.map((r) => r.operation).filter((op) => op !== undefined && MUTATIONS.has(op)), [], 'a failed manifest writes nothing');
});
