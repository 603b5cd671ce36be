/**
 * One cycle per deployment shape: Confluence Cloud and Data Center, PAT and OAuth 2LO,
 * Unique reached cluster_local (service headers) or external (Zitadel token). Each
 * proves the page lands with the flavour's URL, source kind and ownership mark, and
 * that every request carried the credentials of its mode.
 */
import t from 'tap';
import { ROOT_SCOPE, startCycleHarness, type CycleHarnessOptions } from '../helpers/cycle-harness.js';
import { ENG, SINGLE, page } from './support/scenario.js';

const scenario = () => ({
  spaces: [ENG],
  content: [page('5001', 'ENG', { title: 'Release plan', labels: SINGLE }), page('5002', 'ENG', { type: 'blogpost', title: 'News', labels: SINGLE })],
});

const shapes: (Required<Pick<CycleHarnessOptions, 'flavour' | 'confluenceAuth' | 'uniqueAuth'>>)[] = [
  { flavour: 'cloud', confluenceAuth: 'oauth', uniqueAuth: 'external' },
  { flavour: 'cloud', confluenceAuth: 'oauth', uniqueAuth: 'cluster_local' },
  { flavour: 'data-center', confluenceAuth: 'pat', uniqueAuth: 'cluster_local' },
  { flavour: 'data-center', confluenceAuth: 'oauth', uniqueAuth: 'external' },
];

for (const shape of shapes) {
  t.test(`a ${shape.flavour} instance read with ${shape.confluenceAuth} syncs into Unique reached ${shape.uniqueAuth}`, async (t) => {
    const h = await startCycleHarness(scenario(), shape);
    t.teardown(h.close);
    const result = await h.sync();
    t.equal(result.summary.ingested, 2);
    const cloud = shape.flavour === 'cloud';
    const stored = h.unique.state.content('acme/4101_ENG/5001');
    t.ok(stored, 'the page is stored under the tenant partial key');
    t.equal(stored?.sourceKind, cloud ? 'ATLASSIAN_CONFLUENCE_CLOUD' : 'ATLASSIAN_CONFLUENCE_ONPREM');
    t.equal(stored?.sourceName, h.confluence.baseUrl);
    if (cloud) {
      t.equal(stored?.url, `${h.confluence.baseUrl}/wiki/spaces/ENG/pages/5001/Release+plan`, 'Cloud: {baseUrl}/wiki{_links.webui}');
      t.match(h.unique.state.content('acme/4101_ENG/5002')?.url, new RegExp(`^${h.confluence.baseUrl}/wiki/spaces/ENG/blog/`));
    } else {
      t.equal(stored?.url, `${h.confluence.baseUrl}/pages/viewpage.action?pageId=5001`, 'DC: viewpage.action');
    }
    const mark = cloud ? `confc:cloud:${h.confluence.cloudId}` : `confc:data-center:${h.confluence.manifestId}`;
    t.equal(h.unique.state.scope(ROOT_SCOPE)?.externalId, mark);

    // Confluence: every API call authenticated in the configured mode, on the flavour's path.
    const api = h.confluence.requests.filter((r) => !/\/oauth2?\/(latest\/)?token$/.test(r.path) && !r.path.endsWith('/applinks/1.0/manifest'));
    t.ok(api.length > 0);
    t.ok(api.every((r) => r.authScheme === 'Bearer'), 'Bearer on every API call');
    if (cloud) t.ok(api.every((r) => r.path.startsWith(`/ex/confluence/${h.confluence.cloudId}/wiki/`)), 'Cloud calls go through the gateway path');
    const tokenCalls = h.confluence.requests.filter((r) => r.method === 'POST');
    t.equal(tokenCalls.length, shape.confluenceAuth === 'oauth' ? 1 : 0, 'one token request for OAuth (cached), none for a PAT');
    h.confluence.assertReadOnly();

    // Unique: cluster_local sends the service headers and no Authorization; external a Bearer token.
    const calls = h.unique.requests.filter((r) => r.method === 'POST' && !r.path.endsWith('/token'));
    t.ok(calls.length > 0);
    if (shape.uniqueAuth === 'cluster_local') {
      t.ok(calls.every((r) => r.headers['x-company-id'] === h.unique.scenario.companyId && r.headers['x-user-id'] === h.unique.scenario.serviceUserId));
      t.ok(calls.every((r) => r.headers.authorization === undefined), 'no Authorization in cluster_local');
    } else {
      t.ok(calls.every((r) => r.headers.authorization === 'Bearer'), 'Bearer on every GraphQL and file-diff call');
      t.equal(h.unique.requests.filter((r) => r.path.endsWith('/token')).length, 1, 'one Zitadel token, reused');
    }
    const uploads = h.unique.requests.filter((r) => r.method === 'PUT');
    t.equal(uploads.length, 2);
    t.ok(uploads.every((r) => r.headers.authorization === undefined && r.headers['x-ms-blob-type'] === 'BlockBlob'), 'uploads carry no auth');
  });
}

t.test('a 401 on a Cloud API call with an OAuth token fetches a new token and retries once', async (t) => {
  const h = await startCycleHarness(scenario(), { flavour: 'cloud' });
  t.teardown(h.close);
  h.confluence.faults.add({ path: /\/content\/search$/, after: 1, times: 1, status: 401 });
  const result = await h.sync();
  t.equal(result.summary.ingested, 2);
  t.equal(h.confluence.requests.filter((r) => r.method === 'POST').length, 2, 'a second token after the 401');
});

t.test('a Data Center instance under a context path pages through its listing and builds URLs with the path', async (t) => {
  const h = await startCycleHarness({ ...scenario(), contextPath: '/confluence', caps: { withExpansions: 1 } });
  t.teardown(h.close);
  t.match(h.confluence.baseUrl, /\/confluence$/);
  const result = await h.sync();
  t.equal(result.summary.ingested, 2);
  t.equal(h.unique.state.content('acme/4101_ENG/5001')?.url, `${h.confluence.baseUrl}/pages/viewpage.action?pageId=5001`);
  const searches = h.confluence.requests.filter((r) => r.path === '/confluence/rest/api/content/search' && !r.query.expand?.includes('body.storage'));
  t.equal(searches.length, 2, 'two result pages of one item, the second through the next link');
  t.ok(h.confluence.requests.every((r) => r.path.startsWith('/confluence/')), 'every call stays under the context path');
});
