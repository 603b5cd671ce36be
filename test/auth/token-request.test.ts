import t from 'tap';
import { confluenceAuth } from '../../src/confluence/auth.js';
import type { ConfluenceConfig, UniqueConfig } from '../../src/config/types.js';
import { isConnectorError } from '../../src/errors.js';
import { HttpClient } from '../../src/http/client.js';
import { Secret } from '../../src/secret.js';
import { uniqueAuth } from '../../src/unique/auth.js';
import { startConfluenceSimulator } from '../simulators/confluence/index.js';
import { startUniqueSimulator } from '../simulators/unique/index.js';

const SECRET = 'dc-oauth-secret-91a7';

function dcConfig(baseUrl: string, clientSecret: string): ConfluenceConfig {
  return {
    instanceType: 'data-center',
    baseUrl,
    auth: { mode: 'oauth_2lo', clientId: 'dc-client', clientSecret: new Secret(clientSecret) },
    apiRateLimitPerMinute: 6000,
    ingestSingleLabel: 'ai-ingest',
    ingestAllLabel: 'ai-ingest-all',
  };
}

t.test('Data Center OAuth: a form body with scope READ earns a Bearer token', async (t) => {
  const sim = await startConfluenceSimulator({ flavour: 'data-center', oauthClients: [{ clientId: 'dc-client', clientSecret: SECRET }], spaces: [], content: [] });
  t.teardown(sim.close);
  const http = new HttpClient({ target: 'confluence' });
  t.teardown(() => http.close());
  const auth = confluenceAuth({ tenant: 'acme', config: dcConfig(sim.baseUrl, SECRET), http, atlassianApiBaseUrl: sim.apiBaseUrl });
  const headers = await auth.headers();
  t.match(headers.authorization, /^Bearer \S+$/);
  await auth.headers();
  const tokenRequests = sim.requests.filter((request) => request.method === 'POST');
  t.equal(tokenRequests.length, 1, 'the token is cached');
  t.equal(tokenRequests[0]!.path, '/rest/oauth2/latest/token');
});

t.test('a rejected token request names tenant, endpoint, status and OAuth error, never the secret', async (t) => {
  const sim = await startConfluenceSimulator({ flavour: 'data-center', oauthClients: [{ clientId: 'dc-client', clientSecret: SECRET }], spaces: [], content: [] });
  t.teardown(sim.close);
  const http = new HttpClient({ target: 'confluence' });
  t.teardown(() => http.close());
  const wrong = 'wrong-secret-5521';
  const auth = confluenceAuth({ tenant: 'acme', config: dcConfig(sim.baseUrl, wrong), http, atlassianApiBaseUrl: sim.apiBaseUrl });
  const error = await auth.headers().catch((caught: unknown) => caught);
  t.ok(isConnectorError(error, 'CONFLUENCE_AUTH_FAILED'), 'Confluence auth failures have their own code');
  const message = (error as Error).message;
  t.match(message, /check confluence\.auth\.clientId, confluence\.auth\.clientSecret/, 'names the fields to check');
  t.match(message, /tenant acme/);
  t.match(message, /\/rest\/oauth2\/latest\/token/);
  t.match(message, /HTTP 401 \(invalid_client/);
  t.notOk(message.includes(wrong));
  t.notOk(JSON.stringify((error as { details: unknown }).details).includes(wrong));
  t.equal(sim.requests.filter((request) => request.method === 'POST').length, 1, 'token requests are not retried');
});

t.test('Zitadel: Basic credentials and the project audience scope earn a token; cluster_local sends headers only', async (t) => {
  const sim = await startUniqueSimulator({ authMode: 'external', zitadel: { clientId: 'zc', clientSecret: 'zitadel-secret-33', projectId: 'p-77' } });
  t.teardown(sim.close);
  const http = new HttpClient({ target: 'zitadel' });
  t.teardown(() => http.close());
  const external: UniqueConfig = {
    serviceAuthMode: 'external',
    zitadelOauthTokenUrl: sim.zitadelTokenUrl,
    zitadelProjectId: 'p-77',
    zitadelClientId: 'zc',
    zitadelClientSecret: new Secret('zitadel-secret-33'),
    ingestionServiceBaseUrl: sim.ingestionBaseUrl,
    scopeManagementServiceBaseUrl: sim.scopeManagementBaseUrl,
    apiRateLimitPerMinute: 100,
    serviceExtraHeaders: {},
  };
  const headers = await uniqueAuth({ tenant: 'acme', config: external, http }).headers();
  t.match(headers.authorization, /^Bearer \S+$/);

  const wrong = await uniqueAuth({ tenant: 'acme', config: { ...external, zitadelProjectId: 'other-project' }, http })
    .headers()
    .catch((caught: unknown) => caught as Error);
  t.ok(isConnectorError(wrong, 'ZITADEL_AUTH_FAILED'), 'Zitadel auth failures have their own code');
  t.match(wrong.message, /Zitadel token request for tenant acme/);
  t.match(wrong.message, /check unique\.zitadelClientId, unique\.zitadelClientSecret, unique\.zitadelProjectId/);

  const local: UniqueConfig = { ...external, serviceAuthMode: 'cluster_local', serviceExtraHeaders: { 'X-Company-Id': 'c1', 'x-user-id': 'u1', 'x-tenant-tag': 'a' } };
  t.same(await uniqueAuth({ tenant: 'acme', config: local, http }).headers(), {
    'x-service-id': 'confluence-connector',
    'x-company-id': 'c1',
    'x-user-id': 'u1',
    'x-tenant-tag': 'a',
  });
});
