import t from 'tap';
import { parseTenantFile } from '../src/config/load.js';
import { createLogger } from '../src/log.js';
import { runSyncCycle } from '../src/pipeline.js';
import { createTenantRuntime } from '../src/tenant-runtime.js';
import { demoScenario } from './fixtures/demo-scenario.js';
import { Capture } from './helpers/capture.js';
import { startConfluenceSimulator } from './simulators/confluence/index.js';
import { startUniqueSimulator } from './simulators/unique/index.js';

const CONFLUENCE_SECRET = 'confluence-oauth-secret-7f3a9c';
const ZITADEL_SECRET = 'zitadel-client-secret-b81d22';
const ZITADEL_PROJECT = 'project-4471';

/** A secret, its base64 form and its form-encoded form must never reach the output. */
function forms(secret: string): string[] {
  return [secret, Buffer.from(secret).toString('base64'), encodeURIComponent(secret)];
}

const tenantYaml = `
confluence:
  instanceType: cloud
  baseUrl: os.environ/SITE_URL
  cloudId: os.environ/CLOUD_ID
  auth:
    mode: oauth_2lo
    clientId: connector-app
    clientSecret: os.environ/CONFLUENCE_CLIENT_SECRET
  apiRateLimitPerMinute: 600000
  ingestSingleLabel: ai-ingest
  ingestAllLabel: ai-ingest-all
unique:
  serviceAuthMode: external
  zitadelOauthTokenUrl: os.environ/ZITADEL_URL
  zitadelProjectId: os.environ/ZITADEL_PROJECT_ID
  zitadelClientId: connector-client
  zitadelClientSecret: os.environ/ZITADEL_CLIENT_SECRET
  ingestionServiceBaseUrl: os.environ/INGESTION_URL
  scopeManagementServiceBaseUrl: os.environ/SCOPE_URL
  apiRateLimitPerMinute: 600000
ingestion:
  scopeId: scope_root
`;

t.test('a whole config-load, auth and sync flow with known secrets logs none of them', async (t) => {
  const confluence = await startConfluenceSimulator({ flavour: 'cloud', oauthClients: [{ clientId: 'connector-app', clientSecret: CONFLUENCE_SECRET, ttlSeconds: 3600 }], ...demoScenario });
  const unique = await startUniqueSimulator({
    authMode: 'external',
    zitadel: { clientId: 'connector-client', clientSecret: ZITADEL_SECRET, projectId: ZITADEL_PROJECT },
    scopes: [{ id: 'scope_root', name: 'Confluence', parentId: null }],
  });
  t.teardown(() => Promise.all([confluence.close(), unique.close()]));
  const env = {
    // A Cloud site is https (the config insists); on Cloud every call goes to the gateway, the simulator.
    SITE_URL: 'https://acme.atlassian.net',
    CLOUD_ID: confluence.cloudId,
    CONFLUENCE_CLIENT_SECRET: CONFLUENCE_SECRET,
    ZITADEL_URL: unique.zitadelTokenUrl,
    ZITADEL_PROJECT_ID: ZITADEL_PROJECT,
    ZITADEL_CLIENT_SECRET: ZITADEL_SECRET,
    INGESTION_URL: unique.ingestionBaseUrl,
    SCOPE_URL: unique.scopeManagementBaseUrl,
    ATLASSIAN_API_BASE_URL: confluence.apiBaseUrl,
  };
  const loaded = parseTenantFile('acme-tenant-config.yaml', tenantYaml, env);
  t.same(loaded.problems, []);
  const output = new Capture();
  const logger = createLogger({ level: 'debug', stream: output, policy: 'disclose' });
  logger.debug({ tenantConfig: loaded.config }, 'Tenant configuration loaded');
  const tuning = { retry: { retries: 2, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 50 } };

  // A healthy cycle, then one after both sides revoked their tokens (401 → refresh → retry).
  const first = await runSyncCycle(createTenantRuntime(loaded.config!, { logger, env, tuning }));
  t.equal(first.summary.failed, 0);
  confluence.state.updateContent('65602', { body: '<p>edited</p>' });
  const runtime = createTenantRuntime(loaded.config!, { logger, env, tuning });
  await runSyncCycle(runtime);
  confluence.expireTokens();
  unique.expireTokens();
  confluence.state.updateContent('65603', { body: '<p>edited again</p>' });
  const refreshed = await runSyncCycle(runtime);
  t.equal(refreshed.summary.ingested, 1, 'tokens were refreshed after the 401s');
  await runtime.close();

  // A cycle with a wrong secret fails, and its error is logged.
  const wrong = parseTenantFile('acme-tenant-config.yaml', tenantYaml, { ...env, CONFLUENCE_CLIENT_SECRET: 'wrong-secret-value-123' });
  const failing = createTenantRuntime(wrong.config!, { logger, env, tuning });
  const error = await runSyncCycle(failing).catch((caught: unknown) => caught as Error);
  await failing.close();
  t.type(error, Error);
  logger.error({ err: error }, 'Sync cycle failed');
  t.match(output.text(), /Confluence OAuth token request for tenant acme/);

  const text = output.text();
  for (const secret of [CONFLUENCE_SECRET, ZITADEL_SECRET, 'wrong-secret-value-123']) {
    for (const form of forms(secret)) t.notOk(text.includes(form), `log output never contains ${secret} (as ${form === secret ? 'is' : 'encoded'})`);
  }
  t.notMatch(text, /Bearer [A-Za-z0-9]/, 'no bearer token in the logs');
});
