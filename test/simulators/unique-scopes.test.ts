import t from 'tap';
import { startUniqueSimulator, type UniqueSimulator } from './unique/index.js';
import { DOCS, gql, ingest } from './unique/test-client.js';

const FULL = ['MANAGE', 'READ', 'WRITE'].map((accessType) => ({ accessType, entityId: 'user_service', entityType: 'USER' }));
const byId = (id: string) => ({ skip: 0, take: 1, where: { id: { equals: id } } });

async function start(t: { teardown(fn: () => unknown): void }, extra = {}): Promise<UniqueSimulator> {
  const sim = await startUniqueSimulator({ authMode: 'cluster_local', ...extra });
  t.teardown(sim.close);
  return sim;
}

t.test('createScopeAccesses stores grants additively and idempotently, and needs an existing scope', async (t) => {
  const sim = await start(t);
  const grant = (scopeId: string, scopeAccesses: unknown, extra = {}) =>
    gql(sim, DOCS.createScopeAccesses, { scopeId, scopeAccesses, applyToSubScopes: false, skipFileAccessPropagation: true, ...extra });
  t.same((await grant('scope_root', FULL)).body, { data: { createScopeAccesses: true } });
  t.same((await grant('scope_root', FULL.slice(1))).body.data, { createScopeAccesses: true }, 're-granting succeeds');
  t.same(sim.state.scope('scope_root')!.accesses.map((a) => a.accessType).sort(), ['MANAGE', 'READ', 'WRITE']);
  t.same(sim.state.scope('scope_confluence')!.accesses, [], 'not applied to sub-scopes');
  await grant('scope_root', [{ type: 'READ', entityId: 'g1', entityType: 'GROUP' }], { applyToSubScopes: true });
  t.match(sim.state.scope('scope_confluence')!.accesses, [{ accessType: 'READ', entityId: 'g1', entityType: 'GROUP' }], 'the documented `type` form and applyToSubScopes work');
  const missing = await grant('scope_nope', FULL);
  t.equal(missing.body.errors[0].extensions.response.statusCode, 404);
  const invalid = await grant('scope_root', [{ accessType: 'OWN', entityId: 'u', entityType: 'USER' }]);
  t.equal(invalid.body.errors[0].extensions.response.statusCode, 400);
});

t.test('paginatedScope finds by id, external id and parent, pages children, and answers unknown ids with no nodes', async (t) => {
  const sim = await start(t);
  sim.state.setExternalId('scope_root', 'confc:cloud:abc');
  const root = await gql(sim, DOCS.paginatedScope, byId('scope_root'));
  t.same(root.body.data.paginatedScope, {
    totalCount: 1,
    nodes: [{ id: 'scope_root', name: 'Company KB', parentId: null, externalId: 'confc:cloud:abc' }],
  });
  t.same((await gql(sim, DOCS.paginatedScope, byId('scope_missing'))).body.data.paginatedScope, { totalCount: 0, nodes: [] });
  const byExt = await gql(sim, DOCS.paginatedScope, { skip: 0, take: 1, where: { externalId: { equals: 'confc:cloud:abc' } } });
  t.equal(byExt.body.data.paginatedScope.nodes[0].id, 'scope_root');
  for (let i = 0; i < 150; i++) sim.state.addScope({ name: `S${i}`, parentId: 'scope_confluence' });
  const pages: string[][] = [];
  for (let skip = 0; ; skip += 100) {
    const page = await gql(sim, DOCS.paginatedScope, { skip, take: 100, where: { parentId: { equals: 'scope_confluence' } } });
    t.equal(page.body.data.paginatedScope.totalCount, 150);
    pages.push(page.body.data.paginatedScope.nodes.map((n: { name: string }) => n.name));
    if (page.body.data.paginatedScope.nodes.length < 100) break;
  }
  t.same(pages.map((p) => p.length), [100, 50]);
  t.equal(new Set(pages.flat()).size, 150, 'pages do not overlap');
  const unsupported = await gql(sim, DOCS.paginatedScope, { skip: 0, take: 1, where: { name: { contains: 'S' } } });
  t.equal(unsupported.body.errors[0].extensions.response.statusCode, 400, 'unsupported filters are rejected, not ignored');
});

t.test('with enforceScopeReadAccess, a scope is invisible until READ is granted', async (t) => {
  const sim = await start(t, { enforceScopeReadAccess: true });
  t.same((await gql(sim, DOCS.paginatedScope, byId('scope_root'))).body.data.paginatedScope.nodes, []);
  await gql(sim, DOCS.createScopeAccesses, { scopeId: 'scope_root', scopeAccesses: FULL.slice(1, 2) });
  t.equal((await gql(sim, DOCS.paginatedScope, byId('scope_root'))).body.data.paginatedScope.nodes.length, 1);
});

t.test('updateScope sets and clears external ids, which are unique per company', async (t) => {
  const sim = await start(t);
  const set = await gql(sim, DOCS.updateScope, { id: 'scope_root', input: { externalId: 'confc:cloud:abc' } });
  t.same(set.body.data.updateScope, { id: 'scope_root', name: 'Company KB', externalId: 'confc:cloud:abc', parentId: null });
  t.equal((await gql(sim, DOCS.updateScope, { id: 'scope_root', input: { externalId: 'confc:cloud:abc' } })).body.data.updateScope.externalId, 'confc:cloud:abc', 'setting the same value again succeeds');
  const taken = await gql(sim, DOCS.updateScope, { id: 'scope_confluence', input: { externalId: 'confc:cloud:abc' } });
  t.match(taken.body.errors[0].extensions, { code: 'CONFLICT', response: { statusCode: 409 } });
  t.equal(sim.state.scope('scope_confluence')!.externalId, null);
  const cleared = await gql(sim, DOCS.updateScope, { id: 'scope_root', input: { externalId: null } });
  t.equal(cleared.body.data.updateScope.externalId, null);
  t.equal((await gql(sim, DOCS.updateScope, { id: 'scope_confluence', input: { externalId: 'confc:cloud:abc' } })).body.data.updateScope.externalId, 'confc:cloud:abc', 'a cleared id is free again');
  t.equal((await gql(sim, DOCS.updateScope, { id: 'scope_x', input: { externalId: 'y' } })).body.errors[0].extensions.response.statusCode, 404);
});

t.test('generateScopesBasedOnPaths creates missing segments, answers in input order and is idempotent', async (t) => {
  const sim = await start(t);
  await gql(sim, DOCS.createScopeAccesses, { scopeId: 'scope_confluence', scopeAccesses: FULL });
  const paths = ['/Company KB/Confluence/OPS', '/Company KB/Confluence/ENG', '/Other/Deep/Tree'];
  const first = await gql(sim, DOCS.generateScopesBasedOnPaths, { paths, inheritAccess: true });
  const scopes = first.body.data.generateScopesBasedOnPaths;
  t.same(scopes.map((s: { name: string }) => s.name), ['OPS', 'ENG', 'Tree']);
  t.same(scopes.map((s: { id: string }) => sim.state.scope(s.id)!.path), paths, 'result i is the leaf of path i');
  t.equal(scopes[0].parentId, 'scope_confluence');
  t.equal(sim.state.scope(scopes[1].id)!.accesses.length, 3, 'inheritAccess copies the parent grants');
  const again = await gql(sim, DOCS.generateScopesBasedOnPaths, { paths: [paths[1], paths[0], paths[1]], inheritAccess: true });
  t.same(again.body.data.generateScopesBasedOnPaths.map((s: { id: string }) => s.id), [scopes[1].id, scopes[0].id, scopes[1].id]);
  t.equal(sim.state.scopes().length, 2 + 2 + 3, 'nothing was created twice');
  t.equal((await gql(sim, DOCS.generateScopesBasedOnPaths, { paths: ['Company KB/X'] })).body.errors[0].extensions.response.statusCode, 400, 'relative path');
  t.equal((await gql(sim, DOCS.generateScopesBasedOnPaths, { paths: ['/a//b'] })).body.errors[0].extensions.response.statusCode, 400, 'empty segment');
  const tooMany = Array.from({ length: 101 }, (_, i) => `/Company KB/P${i}`);
  t.equal((await gql(sim, DOCS.generateScopesBasedOnPaths, { paths: tooMany })).body.errors[0].extensions.response.statusCode, 400, 'more than 100 paths');
});

t.test('deleteFolder: non-recursive refuses sub-folders; recursive removes the subtree and the content it owns', async (t) => {
  const sim = await start(t);
  const eng = sim.state.addScope({ name: 'ENG', parentId: 'scope_confluence', externalId: 'confc:acme:1:ENG' });
  const sub = sim.state.addScope({ name: 'Sub', parentId: eng.id });
  await ingest(sim, 'acme/1_ENG/100', eng.id, '<p>a</p>');
  sim.state.addContent({ key: 'acme/1_ENG/101', ownerId: sub.id });
  sim.state.addContent({ key: 'acme/2_OPS/1', ownerId: 'scope_confluence' });

  const refused = await gql(sim, DOCS.deleteFolder, { scopeId: eng.id, recursive: false });
  t.same(refused.body.data.deleteFolder.successFolders, []);
  t.match(refused.body.data.deleteFolder.failedFolders, [{ id: eng.id, name: 'ENG', path: '/Company KB/Confluence/ENG', failReason: /sub-folders/ }]);
  t.ok(sim.state.scope(eng.id), 'nothing was deleted');

  const done = await gql(sim, DOCS.deleteFolder, { scopeId: eng.id, recursive: true });
  t.same(done.body.data.deleteFolder.successFolders.map((f: { path: string }) => f.path), ['/Company KB/Confluence/ENG', '/Company KB/Confluence/ENG/Sub']);
  t.same(done.body.data.deleteFolder.failedFolders, []);
  t.notOk(sim.state.scope(sub.id));
  t.same(sim.state.contents().map((c) => c.key), ['acme/2_OPS/1'], 'owned content went with the folders');
  t.same(sim.state.deletions().map((d) => [d.key, d.via]).sort(), [['acme/1_ENG/100', 'deleteFolder'], ['acme/1_ENG/101', 'deleteFolder']]);
  t.equal(sim.state.scopes().find((s) => s.externalId === 'confc:acme:1:ENG'), undefined, 'the external id is free again');
  sim.state.checkInvariants();

  const leaf = sim.state.addScope({ name: 'Leaf', parentId: 'scope_confluence' });
  sim.faults.add({ operation: 'deleteFolder', failedFolders: true, times: 1 });
  const injected = await gql(sim, DOCS.deleteFolder, { scopeId: leaf.id, recursive: false });
  t.match(injected.body.data.deleteFolder.failedFolders, [{ id: leaf.id, failReason: 'Injected failure' }]);
  t.same((await gql(sim, DOCS.deleteFolder, { scopeId: leaf.id, recursive: false })).body.data.deleteFolder.successFolders.length, 1);
  t.equal((await gql(sim, DOCS.deleteFolder, { scopeId: leaf.id, recursive: false })).body.errors[0].extensions.response.statusCode, 404);
});

t.test('bulkMove re-parents scopes with their content; ids and target must exist and cycles are refused', async (t) => {
  const sim = await start(t);
  const oldRoot = sim.state.addScope({ name: 'Old', parentId: null });
  const a = sim.state.addScope({ name: 'A', parentId: oldRoot.id });
  const b = sim.state.addScope({ name: 'B', parentId: oldRoot.id });
  sim.state.addContent({ key: 'acme/1_A/1', ownerId: a.id });
  const moved = await gql(sim, DOCS.bulkMove, { input: { scopeIds: [a.id, b.id], targetScopeId: 'scope_confluence' } });
  t.match(moved.body.data.bulkMove, { scopeIds: [a.id, b.id], asyncMetadataRebuild: true, jobId: String, affectedFiles: 1 });
  t.equal(sim.state.scope(a.id)!.path, '/Company KB/Confluence/A');
  t.equal(sim.state.content('acme/1_A/1')!.ownerId, a.id, 'content stays with its scope');
  const status = async (input: unknown) => (await gql(sim, DOCS.bulkMove, { input })).body.errors?.[0].extensions.response.statusCode;
  t.equal(await status({ scopeIds: ['scope_nope'], targetScopeId: 'scope_root' }), 404, 'unknown scope');
  t.equal(await status({ scopeIds: [a.id], targetScopeId: 'scope_nope' }), 404, 'unknown target');
  t.equal(await status({ scopeIds: ['scope_root'], targetScopeId: a.id }), 400, 'target inside the moved subtree');
  t.equal(await status({ scopeIds: [a.id], targetScopeId: a.id }), 400, 'into itself');
  t.equal(sim.state.scope('scope_root')!.parentId, null, 'a refused move changes nothing');
});
