import t from 'tap';
import { startUniqueSimulator } from './unique/index.js';
import { DOCS, SOURCE, clusterHeaders, gql, postJson, upsertVariables, put } from './unique/test-client.js';

const AUD = 'urn:zitadel:iam:org:project:id:project_1:aud';
const TOKEN_SCOPE = `openid profile email urn:zitadel:iam:user:resourceowner urn:zitadel:iam:org:projects:roles ${AUD}`;
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

async function token(url: string, auth: string, form: Record<string, string>) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as any };
}

const diffBody = { partialKey: 'acme/1_ENG', ...SOURCE, fileList: [] };

t.test('routing: me only on scope management, scope and content operations only on ingestion', async (t) => {
  const sim = await startUniqueSimulator({ authMode: 'cluster_local' });
  t.teardown(sim.close);
  const me = await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement' });
  t.same(me.body, { data: { me: { user: { id: 'user_service' } } } });
  const wrongMe = await gql(sim, DOCS.me);
  t.equal(wrongMe.status, 400);
  t.match(wrongMe.body.errors[0].message, /Cannot query field "me"/);
  const wrongScope = await gql(sim, DOCS.paginatedScope, { skip: 0, take: 1, where: { id: { equals: 'scope_root' } } }, { endpoint: 'scopeManagement' });
  t.equal(wrongScope.status, 400);
  for (const endpoint of ['ingestion', 'scopeManagement'] as const) {
    const ping = await gql(sim, '{ __typename }', {}, { endpoint });
    t.same(ping.body, { data: { __typename: 'Query' } }, `health ping on ${endpoint}`);
  }
  t.equal((await postJson(`${sim.origin}/ingestion/nope`, {})).status, 404);
  t.equal((await fetch(`${sim.ingestionBaseUrl}/graphql`)).status, 405);
  const collapsed = await postJson(`${sim.origin}//ingestion//v2/content/file-diff`, diffBody, clusterHeaders(sim));
  t.equal(collapsed.status, 200, 'duplicate slashes are collapsed');
});

t.test('malformed GraphQL is a 400; resolver errors are 200 with extensions.response.statusCode', async (t) => {
  const sim = await startUniqueSimulator({ authMode: 'cluster_local' });
  t.teardown(sim.close);
  const notJson = await postJson(`${sim.ingestionBaseUrl}/graphql`, '{not json', clusterHeaders(sim));
  t.equal(notJson.status, 400);
  t.equal((await gql(sim, 'query Empty { }')).status, 400, 'no root field');
  t.equal((await gql(sim, 'mutation { paginatedScope(skip: 0, take: 1, where: {}) { totalCount } }')).status, 400, 'query field under mutation');
  const typo = await gql(sim, 'query { paginatedScope(skip: 0, take: 1, where: {}) { totalCount nodez { id } } }');
  t.equal(typo.status, 400);
  t.match(typo.body.errors[0], { message: /Cannot query field "nodez" on type "PaginatedScope"/, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
  const leaf = await gql(sim, 'query { paginatedScope(skip: 0, take: 1, where: {}) { totalCount nodes } }');
  t.equal(leaf.status, 400, 'an object field needs a selection');

  const resolverError = await gql(sim, DOCS.updateScope, { id: 'scope_missing', input: { externalId: 'x' } });
  t.equal(resolverError.status, 200);
  t.same(resolverError.body.data, null);
  t.match(resolverError.body.errors[0], { message: /scope_missing/, extensions: { code: 'NOT_FOUND', response: { statusCode: 404 } } });
  const unneeded = await gql(sim, 'mutation { contentDelete(id: "c") { id } }');
  t.equal(unneeded.status, 200);
  t.equal(unneeded.body.errors[0].extensions.response.statusCode, 501, '§4.11 operations answer with an error');
  const inline = await gql(sim, 'query { paginatedScope(skip: 0, take: 5, where: { id: { equals: "scope_root" } }) { nodes { id } } }');
  t.same(inline.body.data.paginatedScope.nodes, [{ id: 'scope_root' }], 'inline literals work too');
  const aliased = await gql(sim, '{ root: paginatedScope(skip: 0, take: 1, where: { parentId: { equals: null } }) { n: totalCount } }');
  t.same(aliased.body.data, { root: { n: 1 } }, 'aliases shape the answer');
});

t.test('cluster_local requires a known company and user on GraphQL and file-diff', async (t) => {
  const sim = await startUniqueSimulator({ authMode: 'cluster_local', users: ['user_other'] });
  t.teardown(sim.close);
  const diffUrl = `${sim.ingestionBaseUrl}/v2/content/file-diff`;
  const missing = await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement', headers: { 'x-company-id': 'company_1' } });
  t.equal(missing.status, 401);
  t.equal(missing.body.errors[0].extensions.response.statusCode, 401);
  t.equal((await postJson(diffUrl, diffBody, {})).status, 401);
  t.equal((await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement', headers: { 'x-company-id': 'company_1', 'x-user-id': 'ghost' } })).status, 403);
  t.equal((await postJson(diffUrl, diffBody, { 'x-company-id': 'company_2', 'x-user-id': 'user_service' })).status, 403);
  const other = await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement', headers: { 'x-company-id': 'company_1', 'x-user-id': 'user_other' } });
  t.equal(other.body.data.me.user.id, 'user_other', 'me resolves to the x-user-id user');
});

t.test('external mode: Zitadel client credentials, bearer tokens and forced expiry', async (t) => {
  const sim = await startUniqueSimulator({ authMode: 'external', zitadel: { clientId: 'cid', clientSecret: 'csecret', projectId: 'project_1', ttlSeconds: 120 } });
  t.teardown(sim.close);
  const good = await token(sim.zitadelTokenUrl, basic('cid', 'csecret'), { scope: TOKEN_SCOPE, grant_type: 'client_credentials' });
  t.equal(good.status, 200);
  t.match(good.body, { access_token: String, token_type: 'Bearer', expires_in: 120 });
  const badSecret = await token(sim.zitadelTokenUrl, basic('cid', 'nope'), { scope: TOKEN_SCOPE, grant_type: 'client_credentials' });
  t.equal(badSecret.status, 401);
  t.equal(badSecret.body.error, 'invalid_client');
  t.equal((await token(sim.zitadelTokenUrl, basic('cid', 'csecret'), { scope: 'openid', grant_type: 'client_credentials' })).body.error, 'invalid_scope');
  t.equal((await token(sim.zitadelTokenUrl, basic('cid', 'csecret'), { scope: TOKEN_SCOPE, grant_type: 'password' })).status, 400);

  const bearer = { authorization: `Bearer ${good.body.access_token}` };
  t.equal((await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement', headers: {} })).status, 401, 'no token');
  t.equal((await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement', headers: clusterHeaders(sim) })).status, 401, 'cluster headers do not count');
  t.equal((await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement', headers: { authorization: 'Bearer forged' } })).status, 401);
  const me = await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement', headers: bearer });
  t.equal(me.body.data.me.user.id, 'user_service');
  t.equal((await postJson(`${sim.ingestionBaseUrl}/v2/content/file-diff`, diffBody, bearer)).status, 200);
  sim.expireTokens();
  t.equal((await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement', headers: bearer })).status, 401, 'expired token');
  t.equal((await postJson(`${sim.ingestionBaseUrl}/v2/content/file-diff`, diffBody, bearer)).status, 401);
});

t.test('faults: 429 with Retry-After on file-diff, then normal service', async (t) => {
  const sim = await startUniqueSimulator({ authMode: 'cluster_local' });
  t.teardown(sim.close);
  sim.faults.add({ path: '/v2/content/file-diff', status: 429, retryAfter: 2, times: 1 });
  const url = `${sim.ingestionBaseUrl}/v2/content/file-diff`;
  const limited = await postJson(url, diffBody, clusterHeaders(sim));
  t.equal(limited.status, 429);
  t.equal(limited.headers['retry-after'], '2');
  t.equal((await postJson(url, diffBody, clusterHeaders(sim))).status, 200, 'times: 1 fires once');
  t.same(sim.requests.map((r) => r.status), [429, 200]);
});

t.test('faults: a GraphQL error with a status on finalize only, every n-th, after n, reset', async (t) => {
  const sim = await startUniqueSimulator({ authMode: 'cluster_local' });
  t.teardown(sim.close);
  sim.faults.add({ operation: 'contentUpsert', when: (req) => Boolean(req.variables?.fileUrl), status: 503, graphqlError: 'ingestion down' });
  const vars = upsertVariables('k/1', 'scope_root', 2);
  const registered = await gql(sim, DOCS.contentUpsert, vars);
  t.ok(registered.body.data.contentUpsert.id, 'registration passes');
  await put(registered.body.data.contentUpsert.writeUrl, 'ab');
  const finalize = await gql(sim, DOCS.contentUpsert, { ...vars, fileUrl: registered.body.data.contentUpsert.readUrl });
  t.equal(finalize.status, 200);
  t.match(finalize.body.errors[0], { message: 'ingestion down', extensions: { code: 'INTERNAL_SERVER_ERROR', response: { statusCode: 503 } } });
  t.equal(sim.state.content('k/1')!.ingestionState, 'REGISTERED', 'the failed finalize changed nothing');

  sim.faults.clear();
  sim.faults.add({ operation: 'paginatedScope', every: 2, after: 1, status: 500 });
  const statuses: number[] = [];
  for (let i = 0; i < 6; i++) {
    const res = await gql(sim, DOCS.paginatedScope, { skip: 0, take: 1, where: { id: { equals: 'scope_root' } } });
    statuses.push(res.body.errors ? res.body.errors[0].extensions.response.statusCode : 200);
  }
  t.same(statuses, [200, 200, 500, 200, 500, 200], 'after 1, then every 2nd match');

  sim.faults.clear();
  sim.faults.add({ operation: 'me', httpStatus: 502, status: 502, times: 1 });
  t.equal((await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement' })).status, 502, 'gateway-level HTTP status');
  sim.faults.add({ operation: 'me', reset: true, times: 1 });
  await t.rejects(gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement' }), 'the connection is reset');
  t.equal(sim.requests.at(-1)!.status, 0);
});

t.test('faults: probability replays identically for the same seed; latency delays', async (t) => {
  const pattern = async (seed: number) => {
    const sim = await startUniqueSimulator({ authMode: 'cluster_local' }, { seed });
    sim.faults.add({ operation: 'me', probability: 0.5, status: 500 });
    const out: boolean[] = [];
    for (let i = 0; i < 16; i++) out.push(Boolean((await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement' })).body.errors));
    await sim.close();
    return out;
  };
  const first = await pattern(7);
  t.same(await pattern(7), first);
  t.ok(first.includes(true) && first.includes(false), 'some fail, some pass');

  const sim = await startUniqueSimulator({ authMode: 'cluster_local' });
  t.teardown(sim.close);
  sim.faults.add({ operation: 'me', latencyMs: 150 });
  const started = Date.now();
  t.equal((await gql(sim, DOCS.me, {}, { endpoint: 'scopeManagement' })).status, 200);
  t.ok(Date.now() - started >= 140, 'latency was added');
});

t.test('the request log keeps operation and variables but never credentials', async (t) => {
  const sim = await startUniqueSimulator({ authMode: 'external' });
  t.teardown(sim.close);
  const issued = await token(sim.zitadelTokenUrl, basic('connector-client', 'connector-secret'), { scope: TOKEN_SCOPE, grant_type: 'client_credentials' });
  await gql(sim, DOCS.paginatedScope, { skip: 0, take: 1, where: { id: { equals: 'scope_root' } } }, { headers: { authorization: `Bearer ${issued.body.access_token}` } });
  const [tokenCall, scopeCall] = sim.requests;
  t.match(tokenCall, { method: 'POST', path: '/oauth/v2/token', status: 200, headers: { authorization: 'Basic' } });
  t.match(scopeCall, {
    path: '/ingestion/graphql', operation: 'paginatedScope', status: 200,
    variables: { where: { id: { equals: 'scope_root' } } }, headers: { authorization: 'Bearer' },
  });
  t.notOk(JSON.stringify(sim.requests).includes(issued.body.access_token), 'the token is not logged');
  sim.clearRequests();
  t.equal(sim.requests.length, 0);
});
