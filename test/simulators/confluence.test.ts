import t from 'tap';
import { startConfluenceSimulator } from './confluence/index.js';
import { CLIENT, sampleScenario } from './confluence/sample-scenario.js';
import { basicAuth, bearer, fetchToken, getJson, patAuth, restRoot } from './confluence-helpers.js';

const searchPath = `/rest/api/content/search?cql=${encodeURIComponent('id=1000')}`;

t.test('Cloud token endpoint', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('cloud', { oauthClients: [{ ...CLIENT, ttlSeconds: 120 }] }));
  t.teardown(() => sim.close());

  t.test('issues an opaque bearer token for good client credentials', async (t) => {
    const reply = await fetchToken(sim);
    t.equal(reply.status, 200);
    const body = (await reply.json()) as Record<string, unknown>;
    t.type(body.access_token, 'string');
    t.equal(body.expires_in, 120);
    t.equal(body.token_type, 'Bearer');
  });

  t.test('rejects a wrong secret with 401 invalid_client', async (t) => {
    const reply = await fetchToken(sim, { clientId: CLIENT.clientId, clientSecret: 'wrong' });
    t.equal(reply.status, 401);
    t.match(await reply.json(), { error: 'invalid_client', error_description: String });
  });

  t.test('rejects a form body with 400', async (t) => {
    const reply = await fetch(`${sim.apiBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=${CLIENT.clientId}&client_secret=${CLIENT.clientSecret}`,
    });
    t.equal(reply.status, 400);
  });

  t.test('rejects another grant type with 400', async (t) => {
    const reply = await fetch(`${sim.apiBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret }),
    });
    t.equal(reply.status, 400);
    t.match(await reply.json(), { error: 'unsupported_grant_type' });
  });
});

t.test('DC token endpoint requires a form body and the READ scope', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('data-center', { contextPath: '/confluence' }));
  t.teardown(() => sim.close());
  const url = `${sim.baseUrl}/rest/oauth2/latest/token`;
  const form = (scope: string): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: CLIENT.clientSecret, scope }).toString(),
  });
  const good = await fetch(url, form('READ'));
  t.equal(good.status, 200);
  t.match(await good.json(), { access_token: String, expires_in: 3600 });
  t.equal((await fetch(url, form('WRITE'))).status, 400, 'a scope without READ is refused');
  t.equal((await fetch(url, form('WRITE READ'))).status, 200, 'READ among several scopes is accepted');
  const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  t.equal(json.status, 400, 'a JSON body is refused');
  const badSecret = await fetch(url, {
    ...form('READ'),
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: CLIENT.clientId, client_secret: 'nope', scope: 'READ' }).toString(),
  });
  t.equal(badSecret.status, 401);
  t.match(await badSecret.json(), { error: 'invalid_client' });
  t.equal((await fetch(`${sim.origin}/rest/oauth2/latest/token`, form('READ'))).status, 404, 'outside the context path nothing is served');
});

t.test('API authentication', async (t) => {
  t.test('DC accepts OAuth, PAT and Basic; rejects none, unknown and wrong passwords', async (t) => {
    const sim = await startConfluenceSimulator(sampleScenario('data-center'));
    t.teardown(() => sim.close());
    const url = `${sim.baseUrl}/rest/api/content/1000`;
    t.equal((await getJson(url, await bearer(sim))).status, 200, 'OAuth token');
    t.equal((await getJson(url, patAuth)).status, 200, 'PAT');
    t.equal((await getJson(url, basicAuth)).status, 200, 'Basic with a UTF-8 password containing a colon');
    t.equal((await getJson(url)).status, 401, 'no Authorization');
    t.equal((await getJson(url, 'Bearer unknown')).status, 401, 'unknown token');
    t.equal((await getJson(url, `Basic ${Buffer.from('svc-sync:wrong').toString('base64')}`)).status, 401, 'wrong password');
  });

  t.test('Cloud accepts only OAuth tokens', async (t) => {
    const sim = await startConfluenceSimulator(sampleScenario('cloud'));
    t.teardown(() => sim.close());
    const url = `${restRoot(sim)}${searchPath}`;
    t.equal((await getJson(url, await bearer(sim))).status, 200);
    t.equal((await getJson(url, patAuth)).status, 401, 'PAT is a DC-only mode');
    t.equal((await getJson(url, basicAuth)).status, 401, 'Basic is a DC-only mode');
    t.equal((await getJson(url)).status, 401);
  });

  t.test('every issued token is refused after expireTokens, a new one works', async (t) => {
    const sim = await startConfluenceSimulator(sampleScenario('cloud'));
    t.teardown(() => sim.close());
    const url = `${restRoot(sim)}${searchPath}`;
    const token = await bearer(sim);
    t.equal((await getJson(url, token)).status, 200);
    sim.expireTokens();
    t.equal((await getJson(url, token)).status, 401);
    t.equal((await getJson(url, await bearer(sim))).status, 200);
  });

  t.test('a token past its expires_in is refused', async (t) => {
    const sim = await startConfluenceSimulator(sampleScenario('data-center', { oauthClients: [{ ...CLIENT, ttlSeconds: 0 }] }));
    t.teardown(() => sim.close());
    const token = await bearer(sim);
    t.equal((await getJson(`${sim.baseUrl}/rest/api/content/1000`, token)).status, 401);
  });
});

t.test('Cloud routing', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('cloud', { cloudId: 'aaaaaaaa-0000-4000-8000-000000000001' }));
  t.teardown(() => sim.close());
  const auth = await bearer(sim);
  t.equal(sim.baseUrl, sim.origin);
  t.not(sim.mediaOrigin, sim.origin, 'the media server is another origin');
  const wrongCloud = `${sim.apiBaseUrl}/ex/confluence/bbbbbbbb-0000-4000-8000-000000000002/wiki${searchPath}`;
  t.equal((await getJson(wrongCloud, auth)).status, 404, 'unknown cloudId');
  t.equal((await getJson(`${sim.apiBaseUrl}/wiki${searchPath}`, auth)).status, 404, 'the API is only served on the gateway path');
  t.equal((await getJson(`${sim.apiBaseUrl}/ex/confluence/${sim.cloudId}${searchPath}`, auth)).status, 404, 'v1 without /wiki is not served');
  const legacy = await getJson(`${restRoot(sim)}/download/attachments/1000/diagram.png?version=2&api=v2`, auth);
  t.equal(legacy.status, 401, 'legacy download through the gateway');
  t.equal((await getJson(`${sim.baseUrl}/wiki/download/attachments/1000/diagram.png`, auth)).status, 401, 'legacy download on the site');
  const post = await fetch(`${restRoot(sim)}${searchPath}`, { method: 'POST', headers: { authorization: auth } });
  t.equal(post.status, 405, 'only GET is served on the API');
});

t.test('DC manifest', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('data-center', { contextPath: '/confluence/', manifestId: 'instance-42' }));
  t.teardown(() => sim.close());
  t.equal(sim.baseUrl, `${sim.origin}/confluence`, 'a trailing slash on the context path is dropped');
  const url = `${sim.baseUrl}/rest/applinks/1.0/manifest`;
  const asJson = await getJson(url, undefined, { accept: 'application/json' });
  t.equal(asJson.status, 200, 'served without Authorization');
  t.match(asJson.body, { id: 'instance-42', typeId: 'confluence', url: sim.baseUrl });
  const asXml = await getJson(url);
  t.equal(asXml.status, 200);
  t.match(asXml.headers.get('content-type'), /xml/);
  t.match(asXml.body, /<id>instance-42<\/id>/);
  const cloud = await startConfluenceSimulator(sampleScenario('cloud'));
  t.teardown(() => cloud.close());
  t.equal((await getJson(`${cloud.baseUrl}/rest/applinks/1.0/manifest`, undefined, { accept: 'application/json' })).status, 404, 'Cloud has no manifest');
});

t.test('E8 title lookup', async (t) => {
  for (const flavour of ['cloud', 'data-center'] as const) {
    t.test(flavour, async (t) => {
      const sim = await startConfluenceSimulator(sampleScenario(flavour));
      t.teardown(() => sim.close());
      const auth = await bearer(sim);
      const lookup = (spaceKey: string, title: string, type = 'page'): Promise<{ body: any; status: number }> =>
        getJson(`${restRoot(sim)}/rest/api/content?spaceKey=${encodeURIComponent(spaceKey)}&title=${encodeURIComponent(title)}&type=${type}&expand=metadata.labels,version,space,children.attachment`, auth);
      const found = await lookup('ENG', 'Release plan');
      t.equal(found.status, 200);
      t.same(found.body.results.map((r: { id: string }) => r.id), ['1000']);
      t.equal(found.body.results[0].children.attachment.size, 2);
      t.same((await lookup('OPS', 'Say "hi" \\ bye')).body.results.map((r: { id: string }) => r.id), ['1018'], 'titles with quotes and backslashes');
      t.same((await lookup('ENG', 'Release news')).body.results, [], 'a blog post is not a page');
      t.same((await lookup('ENG', 'Release news', 'blogpost')).body.results.map((r: { id: string }) => r.id), ['1006']);
      t.same((await lookup('ENG', 'Trashed')).body.results, [], 'trashed pages are not found');
      t.same((await lookup('HR', 'Salaries')).body.results, [], 'denied spaces are invisible');
      t.same((await lookup('NOPE', 'Release plan')).body.results, [], 'unknown space');
    });
  }
});

t.test('DC content by id (E3)', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('data-center'));
  t.teardown(() => sim.close());
  const get = (id: string): Promise<{ body: any; status: number }> =>
    getJson(`${sim.baseUrl}/rest/api/content/${id}?expand=body.storage,version,space,metadata.labels`, patAuth);
  const page = await get('1000');
  t.equal(page.status, 200);
  t.match(page.body, {
    id: '1000', type: 'page', title: 'Release plan',
    space: { id: 98305, key: 'ENG', name: 'Engineering', type: 'global' },
    version: { number: 7, when: '2025-03-04T09:12:44.123Z' },
    body: { storage: { value: '<p>Hello</p>', representation: 'storage' } },
    _links: { webui: '/pages/viewpage.action?pageId=1000' },
  });
  t.same(page.body.metadata.labels.results.map((l: { name: string }) => l.name), ['ai-ingest', 'planning']);
  t.notOk('children' in page.body, 'attachments are not expanded unless asked for');
  t.notOk('ancestors' in page.body);
  t.equal((await get('424242')).status, 404, 'unknown id');
  t.equal((await get('1008')).status, 404, 'trashed content is invisible');
  t.equal((await get('1012')).status, 403, 'content in a denied space');
  const defaultWhen = await get('1001');
  t.equal(defaultWhen.body.version.when, '2025-01-01T01:00:00.000+01:00', 'DC writes times with an offset');
});

t.test('the request log keeps schemes, never credentials', async (t) => {
  const sim = await startConfluenceSimulator(sampleScenario('cloud'));
  t.teardown(() => sim.close());
  const auth = await bearer(sim);
  await getJson(`${restRoot(sim)}${searchPath}&expand=version`, auth, { accept: 'application/json' });
  await getJson(`${restRoot(sim)}${searchPath}`);
  const redirect = await fetch(`${restRoot(sim)}/rest/api/content/1000/child/attachment/att70002/download`, { headers: { authorization: auth }, redirect: 'manual' });
  await fetch(redirect.headers.get('location') as string).then((r) => r.arrayBuffer());
  const [token, search, unauthenticated, download, media] = sim.requests;
  t.match(token, { method: 'POST', path: '/oauth/token', status: 200, authScheme: null, server: 'main' });
  t.match(search, { method: 'GET', path: `/ex/confluence/${sim.cloudId}/wiki/rest/api/content/search`, status: 200, authScheme: 'Bearer', accept: 'application/json' });
  t.same(search?.query, { cql: 'id=1000', expand: 'version' });
  t.match(unauthenticated, { status: 401, authScheme: null });
  t.match(download, { status: 302, authScheme: 'Bearer' });
  t.match(media, { server: 'media', status: 200, query: { token: '[redacted]' } });
  const serialised = JSON.stringify(sim.requests);
  t.notOk(serialised.includes(auth.slice('Bearer '.length)), 'no access token in the log');
  t.notOk(serialised.includes(CLIENT.clientSecret), 'no client secret in the log');
  t.same(sim.nonGetRequests(), [], 'token POSTs do not count as writes');
  sim.assertReadOnly();
  await fetch(`${restRoot(sim)}/rest/api/content/1000`, { method: 'PUT', headers: { authorization: auth } });
  t.equal(sim.nonGetRequests().length, 1);
  t.throws(() => sim.assertReadOnly(), /non-GET/);
  sim.clearRequests();
  t.same(sim.requests, []);
});
