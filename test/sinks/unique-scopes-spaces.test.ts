import t from 'tap';
import { isConnectorError } from '../../src/errors.js';
import { initRootScope } from '../../src/sinks/unique-scopes/init.js';
import { ensureSpaceScopes } from '../../src/sinks/unique-scopes/space-scopes.js';
import { AUTH_MODES, setup } from '../unique/support/unique-setup.js';

const ENG = { id: '98305', key: 'ENG', name: 'Engineering' };
const HR = { id: '98306', key: 'HR', name: 'People' };

for (const authMode of AUTH_MODES) {
  t.test(`space scopes are created by path under the root with their external ids (${authMode})`, async (t) => {
    const s = await setup(t, authMode);
    const { rootPath } = await initRootScope(s.ctx);
    s.sim.clearRequests();
    const result = await ensureSpaceScopes(s.ctx, rootPath, [ENG, HR, ENG]);
    const generate = s.sim.requests.filter((r) => r.operation === 'generateScopesBasedOnPaths');
    t.same(generate.map((r) => r.variables), [{ paths: ['/Company KB/Confluence/ENG', '/Company KB/Confluence/HR'], inheritAccess: true }]);
    const eng = s.sim.state.scope(result.scopeIds.get('ENG')!);
    const hr = s.sim.state.scope(result.scopeIds.get('HR')!);
    t.same([eng?.parentId, eng?.name, eng?.externalId], ['scope_confluence', 'ENG', 'confc:acme:98305:ENG']);
    t.same([hr?.parentId, hr?.name, hr?.externalId], ['scope_confluence', 'HR', 'confc:acme:98306:HR']);
    t.ok(eng?.accesses.some((a) => a.entityId === 'user_service' && a.accessType === 'WRITE'), 'the new scope inherited the root accesses');
    t.equal(result.externalIdsUpdated, 2);

    s.sim.clearRequests();
    const again = await ensureSpaceScopes(s.ctx, rootPath, [ENG, HR]);
    t.same([...again.scopeIds], [...result.scopeIds], 'idempotent');
    t.equal(again.externalIdsUpdated, 0);
    t.notOk(s.operations().includes('updateScope'), 'correct external ids are left alone');
  });
}

t.test('a space scope with a wrong external id gets it rewritten', async (t) => {
  const s = await setup(t, 'cluster_local', {
    scenario: {
      scopes: [
        { id: 'scope_root', name: 'Company KB', parentId: null },
        { id: 'scope_confluence', name: 'Confluence', parentId: 'scope_root' },
        { id: 'scope_eng', name: 'ENG', parentId: 'scope_confluence', externalId: 'confc:acme:11111:ENG' },
        { id: 'scope_hr', name: 'HR', parentId: 'scope_confluence', externalId: 'confc:acme:98306:HR' },
      ],
    },
  });
  const result = await ensureSpaceScopes(s.ctx, '/Company KB/Confluence', [ENG, HR]);
  t.equal(result.scopeIds.get('ENG'), 'scope_eng');
  t.equal(s.sim.state.scope('scope_eng')?.externalId, 'confc:acme:98305:ENG');
  t.same(s.sim.requests.filter((r) => r.operation === 'updateScope').map((r) => r.variables), [{ id: 'scope_eng', input: { externalId: 'confc:acme:98305:ENG' } }]);
  t.equal(result.externalIdsUpdated, 1);
});

t.test('more than 100 spaces take one call per 100 paths, paired by position', async (t) => {
  const s = await setup(t, 'cluster_local');
  const spaces = Array.from({ length: 150 }, (_, i) => ({ id: String(5000 + i), key: `S${i}`, name: `Space ${i}` }));
  const result = await ensureSpaceScopes(s.ctx, '/Company KB/Confluence', spaces);
  t.same(s.sim.requests.filter((r) => r.operation === 'generateScopesBasedOnPaths').map((r) => (r.variables as { paths: string[] }).paths.length), [100, 50]);
  for (const space of [spaces[0]!, spaces[99]!, spaces[100]!, spaces[149]!]) {
    const scope = s.sim.state.scope(result.scopeIds.get(space.key)!);
    t.equal(scope?.name, space.key);
    t.equal(scope?.externalId, `confc:acme:${space.id}:${space.key}`);
  }
});

t.test('a failure creating the scopes aborts', async (t) => {
  const s = await setup(t, 'cluster_local');
  s.sim.faults.add({ operation: 'generateScopesBasedOnPaths', status: 403, graphqlError: 'missing chat.admin.all' });
  const error = await ensureSpaceScopes(s.ctx, '/Company KB/Confluence', [ENG]).catch((e: unknown) => e);
  t.ok(isConnectorError(error, 'UNIQUE_GRAPHQL_ERROR'));
  if (isConnectorError(error)) t.equal(error.details.status, 403);
});

t.test('no spaces, no calls', async (t) => {
  const s = await setup(t, 'cluster_local');
  const result = await ensureSpaceScopes(s.ctx, '/Company KB/Confluence', []);
  t.equal(result.scopeIds.size, 0);
  t.equal(s.sim.requests.length, 0);
});

t.test('external ids of new space scopes are written side by side, processing.concurrency at a time', async (t) => {
  const LATENCY = 40;
  const s = await setup(t, 'cluster_local', { simulator: { latencyMs: LATENCY } });
  const ctx = { ...s.ctx, tenant: { ...s.tenant, processing: { ...s.tenant.processing, concurrency: 3 } } };
  const spaces = Array.from({ length: 6 }, (_, i) => ({ id: String(6000 + i), key: `P${i}`, name: `Space ${i}` }));
  const result = await ensureSpaceScopes(ctx, '/Company KB/Confluence', spaces);
  t.equal(result.externalIdsUpdated, 6);
  const updates = s.sim.requests.filter((r) => r.operation === 'updateScope').map((r) => r.at);
  t.equal(updates.length, 6);
  // An answer takes LATENCY ms: three requests that arrived within less than that were in flight together.
  t.ok(updates[2]! - updates[0]! < LATENCY, `the first three arrived together (${updates.slice(0, 3).join(', ')})`);
  t.ok(updates[3]! - updates[0]! >= LATENCY - 1, 'the fourth waited for a free slot');
  for (const space of spaces) t.equal(s.sim.state.scope(result.scopeIds.get(space.key)!)?.externalId, `confc:acme:${space.id}:${space.key}`);
});
