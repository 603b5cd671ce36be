import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { inspect } from 'node:util';
import t from 'tap';
import { glob } from 'tinyglobby';
import { DEFAULT_ALLOWED_MIME_TYPES, FIELDS } from '../../src/config/fields.js';
import { parseTenantFile } from '../../src/config/load.js';
import { isSecret } from '../../src/secret.js';
import { BASES, CANARY, ENV, edited } from '../fixtures/config/cases.js';

const root = new URL('../../', import.meta.url).pathname;

const EXAMPLE_ENV = {
  ...ENV,
  DEMO_CONFLUENCE_URL: 'http://127.0.0.1:40123',
  DEMO_CONFLUENCE_PAT: `${CANARY}-demo`,
  DEMO_UNIQUE_INGESTION_URL: 'http://127.0.0.1:40124/ingestion',
  DEMO_UNIQUE_SCOPE_URL: 'http://127.0.0.1:40125',
};

t.test('every example in config/ validates and resolves', async (t) => {
  const files = await glob('config/**/*-tenant-config.yaml', { cwd: root });
  t.same(files.map((file) => basename(file)).sort(), [
    'acme-cloud-tenant-config.yaml',
    'demo-tenant-config.yaml',
    'legacy-dc-pat-tenant-config.yaml',
    'wiki-dc-oauth-tenant-config.yaml',
  ]);
  for (const file of files) {
    const text = readFileSync(root + file, 'utf8');
    const result = parseTenantFile(file, text, EXAMPLE_ENV);
    t.same(result.problems, [], file);
    t.same(result.warnings, [], `${file}: secrets come from the environment`);
    t.ok(result.config, file);
    t.match(text, /^# yaml-language-server: \$schema=\.\.\/tenant-config\.schema\.json\n/, `${file}: schema comment`);
  }
});

t.test('the demo tenant takes its URLs and token from the environment', async (t) => {
  const file = 'config/demo/demo-tenant-config.yaml';
  const { config } = parseTenantFile(file, readFileSync(root + file, 'utf8'), EXAMPLE_ENV);
  t.match(config, {
    name: 'demo',
    status: 'active',
    confluence: { instanceType: 'data-center', baseUrl: 'http://127.0.0.1:40123', apiRateLimitPerMinute: 6000, ingestSingleLabel: 'ai-ingest', ingestAllLabel: 'ai-ingest-all', auth: { mode: 'pat' } },
    unique: {
      serviceAuthMode: 'cluster_local',
      serviceExtraHeaders: { 'x-company-id': 'company_demo', 'x-user-id': 'user_demo_service' },
      ingestionServiceBaseUrl: 'http://127.0.0.1:40124/ingestion',
      scopeManagementServiceBaseUrl: 'http://127.0.0.1:40125',
      apiRateLimitPerMinute: 6000,
    },
    processing: { concurrency: 4 },
    ingestion: { scopeId: 'scope_demo_root' },
  });
  const auth = config?.confluence.auth;
  t.equal(auth?.mode === 'pat' && auth.token.reveal(), `${CANARY}-demo`);
});

t.test('every default is applied to a file that leaves the optional fields out', async (t) => {
  const { config } = parseTenantFile('wiki-tenant-config.yaml', edited('dc', (doc) => doc.delete('status')), ENV);
  // Each default of the field list, as the resolved config spells it.
  const expected: Record<string, [unknown, unknown]> = {
    status: [config?.status, 'active'],
    'unique.apiRateLimitPerMinute': [config?.unique.apiRateLimitPerMinute, 100],
    'processing.concurrency': [config?.processing.concurrency, 1],
    'processing.scanIntervalCron': [config?.processing.scanIntervalCron, '*/15 * * * *'],
    'processing.maxPageBodyMb': [config?.processing.maxPageBodyMb, 20],
    'ingestion.ingestionMode': [config?.ingestion.ingestionMode, 'flat'],
    'ingestion.storeInternally': [config?.ingestion.storeInternally, true],
    'ingestion.useV1KeyFormat': [config?.ingestion.useV1KeyFormat, false],
    'ingestion.attachments.mode': [config?.ingestion.attachments.enabled, true],
    'ingestion.attachments.allowedMimeTypes': [config?.ingestion.attachments.allowedMimeTypes, [...DEFAULT_ALLOWED_MIME_TYPES]],
    'ingestion.attachments.maxFileSizeMb': [config?.ingestion.attachments.maxFileSizeMb, 200],
    'ingestion.attachments.imageOcr': [config?.ingestion.attachments.imageOcr, true],
    'ingestion.restrictedPages': [config?.ingestion.restrictedPages, 'skip'],
  };
  t.same(Object.keys(expected).sort(), FIELDS.filter((f) => f.default !== undefined).map((f) => f.path).sort(), 'covers every default');
  for (const [path, [actual, want]] of Object.entries(expected)) t.same(actual, want, path);
  t.equal(DEFAULT_ALLOWED_MIME_TYPES.length, 9);
  t.equal(config?.processing.maxItemsToScan, undefined);
  t.equal(config?.processing.cycleTimeoutMinutes, undefined, 'no deadline setting: derived from the schedule');
  t.notOk(config && 'cloudId' in config.confluence);
  t.equal(config?.ingestion.pageIngestionConfig, undefined);
});

t.test('numeric strings are coerced and media types lower-cased', async (t) => {
  const text = edited('cloud', (doc) => {
    doc.setIn(['confluence', 'apiRateLimitPerMinute'], '150');
    doc.setIn(['processing', 'concurrency'], '4');
    doc.setIn(['ingestion', 'attachments', 'maxFileSizeMb'], '2.5');
    doc.setIn(['unique', 'apiRateLimitPerMinute'], 'os.environ/UNIQUE_RATE');
  });
  const { config, problems } = parseTenantFile('acme-tenant-config.yaml', text, { ...ENV, UNIQUE_RATE: '75' });
  t.same(problems, []);
  t.equal(config?.confluence.apiRateLimitPerMinute, 150);
  t.equal(config?.processing.concurrency, 4);
  t.equal(config?.ingestion.attachments.maxFileSizeMb, 2.5);
  t.equal(config?.unique.apiRateLimitPerMinute, 75, 'from the environment, then coerced');
  t.same(config?.ingestion.attachments.allowedMimeTypes, ['application/pdf', 'text/plain']);
});

t.test('the full cloud file resolves field for field', async (t) => {
  const { config, problems } = parseTenantFile('acme-tenant-config.yaml', BASES.cloud, ENV);
  t.same(problems, []);
  t.match(config, {
    name: 'acme',
    file: 'acme-tenant-config.yaml',
    confluence: { instanceType: 'cloud', cloudId: '3f9e2c4a-8b1d-4e6f-9a7c-2d5b8e1f0a34', auth: { mode: 'oauth_2lo', clientId: 'client-acme' } },
    unique: { serviceAuthMode: 'external', zitadelProjectId: 'project-42', zitadelClientId: 'zitadel-client', serviceExtraHeaders: { 'x-tenant': 'acme' }, apiRateLimitPerMinute: 80, deprecatedIngestionConfig: { chunkStrategy: 'default' } },
    processing: { concurrency: 3, scanIntervalCron: '0 */5 * * * *', maxItemsToScan: 250 },
    ingestion: { storeInternally: false, useV1KeyFormat: true, attachments: { enabled: true, maxFileSizeMb: 25.5, imageOcr: false } },
  });
  t.same(config?.ingestion.pageIngestionConfig, { htmlConfig: { imageContentExtraction: { enabled: true, languageModel: 'AZURE_GPT_4o_2024_1120' } } });
});

t.test('secret fields become Secrets that print [redacted]', async (t) => {
  const cloud = parseTenantFile('acme-tenant-config.yaml', BASES.cloud, ENV).config;
  const dc = parseTenantFile('wiki-tenant-config.yaml', BASES.dc, ENV).config;
  const secrets = [
    cloud?.confluence.auth.mode === 'oauth_2lo' ? cloud.confluence.auth.clientSecret : undefined,
    cloud?.unique.serviceAuthMode === 'external' ? cloud.unique.zitadelClientSecret : undefined,
    dc?.confluence.auth.mode === 'pat' ? dc.confluence.auth.token : undefined,
  ];
  t.ok(secrets.every(isSecret));
  t.same(secrets.map((s) => s?.reveal()), [ENV.CONFLUENCE_CLIENT_SECRET, ENV.ZITADEL_CLIENT_SECRET, ENV.CONFLUENCE_PAT]);
  for (const config of [cloud, dc]) {
    const json = JSON.stringify(config);
    const shown = inspect(config, { depth: null });
    t.notOk(json.includes(CANARY), 'JSON has no secret');
    t.notOk(shown.includes(CANARY), 'inspect has no secret');
    t.match(json, /"\[redacted\]"/);
    t.match(shown, /\[redacted\]/);
  }
});

t.test('a secret written in the file is accepted with a warning', async (t) => {
  const text = edited('dc', (doc) => doc.setIn(['confluence', 'auth', 'token'], `${CANARY}-inline`));
  const { config, warnings } = parseTenantFile('wiki-tenant-config.yaml', text, ENV);
  t.ok(config);
  t.same(warnings, ['wiki-tenant-config.yaml: confluence.auth.token: secret is written in the file; prefer os.environ/NAME']);
  t.equal(config?.confluence.auth.mode === 'pat' && config.confluence.auth.token.reveal(), `${CANARY}-inline`);
});

t.test('any scalar may come from the environment', async (t) => {
  const text = edited('dc', (doc) => {
    doc.setIn(['status'], 'os.environ/TENANT_STATUS');
    doc.setIn(['ingestion', 'scopeId'], 'os.environ/SCOPE');
    doc.setIn(['unique', 'serviceExtraHeaders', 'x-user-id'], 'os.environ/USER_ID');
    doc.setIn(['ingestion', 'attachments'], { allowedMimeTypes: ['os.environ/EXTRA_TYPE'], imageOcr: 'os.environ/OCR' });
  });
  const env = { ...ENV, TENANT_STATUS: 'deleted', SCOPE: 'scope_env', USER_ID: 'u-env', EXTRA_TYPE: 'Application/PDF', OCR: 'disabled' };
  const { config, problems } = parseTenantFile('wiki-tenant-config.yaml', text, env);
  t.same(problems, []);
  t.equal(config?.status, 'deleted');
  t.equal(config?.ingestion.scopeId, 'scope_env');
  t.equal(config?.unique.serviceExtraHeaders['x-user-id'], 'u-env');
  t.same(config?.ingestion.attachments.allowedMimeTypes, ['application/pdf']);
  t.equal(config?.ingestion.attachments.imageOcr, false);
  const bad = parseTenantFile('wiki-tenant-config.yaml', text, { ...env, TENANT_STATUS: 'paused', EXTRA_TYPE: 'pdf' });
  t.same(bad.problems, [
    'wiki-tenant-config.yaml: ingestion.attachments.allowedMimeTypes[0]: environment variable EXTRA_TYPE has a value that is not a media type like type/subtype: got "pdf"',
    'wiki-tenant-config.yaml: status: environment variable TENANT_STATUS has a value that is not one of active, inactive, deleted: got "paused"',
  ]);
});

t.test('the environment is only read, never written', async (t) => {
  const env = Object.freeze({ ...ENV });
  t.ok(parseTenantFile('acme-tenant-config.yaml', BASES.cloud, env).config);
});
