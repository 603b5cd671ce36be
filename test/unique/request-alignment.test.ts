/**
 * Requests aligned with what production servers accept: every request says who sends
 * it (`User-Agent: confluence-connector/{version}`, the version from package.json),
 * the identity headers of `serviceExtraHeaders` go only to cluster-local services,
 * and the vendor's never-sent `unique.ingestionConfig` is accepted but not sent.
 */
import { readFileSync } from 'node:fs';
import t from 'tap';
import { startCycleHarness } from '../helpers/cycle-harness.js';
import type { ScenarioContent } from '../simulators/confluence/index.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const USER_AGENT = `confluence-connector/${VERSION}`;
const ENG = { id: 4101, key: 'ENG', name: 'Engineering', type: 'global' as const };
const PAGE: ScenarioContent = {
  id: '5001', type: 'page', title: 'Guide', spaceKey: 'ENG', labels: ['ai-ingest'], body: '<p>Hello</p>',
  version: { number: 1, when: '2026-01-05T08:00:00.000Z' },
  attachments: [{ id: 'att9001', title: 'plan.pdf', mediaType: 'application/pdf', size: 4, bytes: 'pdf!' }],
};

for (const [flavour, uniqueAuth] of [['cloud', 'external'], ['data-center', 'cluster_local']] as const) {
  t.test(`${flavour} + ${uniqueAuth}: every request carries the connector's User-Agent, tokens and uploads included`, async (t) => {
    const h = await startCycleHarness({ spaces: [ENG], content: [PAGE] }, { flavour, uniqueAuth, attachments: true, confluenceAuth: 'oauth' });
    t.teardown(h.close);
    const result = await h.sync();
    t.equal(result.summary.ingested, 2);
    const confluence = h.confluence.requests;
    t.ok(confluence.some((r) => r.method === 'POST'), 'a Confluence token request was made');
    if (flavour === 'cloud') t.ok(confluence.some((r) => r.server === 'media'), 'and a download from the media host');
    t.same(confluence.filter((r) => r.userAgent !== USER_AGENT).map((r) => `${r.method} ${r.path}`), [], 'every Confluence request');
    const unique = h.unique.requests;
    t.ok(unique.some((r) => r.method === 'PUT'), 'an upload was made');
    if (uniqueAuth === 'external') t.ok(unique.some((r) => r.path.endsWith('/oauth/v2/token')), 'and a Zitadel token request');
    t.same(unique.filter((r) => r.headers['user-agent'] !== USER_AGENT).map((r) => `${r.method} ${r.path}`), [], 'every Unique request');
  });
}

t.test('serviceExtraHeaders go to cluster-local services only, never beside a bearer token', async (t) => {
  const extra = { 'x-company-id': 'company_1', 'x-user-id': 'user_1', 'x-tenant': 'acme' };
  const external = await startCycleHarness({ spaces: [ENG], content: [PAGE] }, { uniqueAuth: 'external', tenant: (config) => (config.unique.serviceExtraHeaders = extra) });
  t.teardown(external.close);
  await external.sync();
  const leaked = external.unique.requests.filter((r) => Object.keys(extra).some((name) => name in r.headers));
  t.same(leaked.map((r) => r.path), [], 'no identity header in external mode');
  t.ok(external.unique.requests.some((r) => r.headers.authorization === 'Bearer'), 'the token is there');
  t.match(external.logs.lines().find((line) => line.field === 'unique.serviceExtraHeaders'), { level: 40, headers: ['x-company-id', 'x-user-id', 'x-tenant'] });

  const local = await startCycleHarness({ spaces: [ENG], content: [PAGE] }, { uniqueAuth: 'cluster_local' });
  t.teardown(local.close);
  await local.sync();
  const graphql = local.unique.requests.filter((r) => r.path.endsWith('/graphql'));
  t.ok(graphql.length > 0 && graphql.every((r) => r.headers['x-company-id'] !== undefined && r.headers['x-user-id'] !== undefined), 'cluster_local sends them');
});

t.test('unique.ingestionConfig is accepted but never sent, with a deprecation warning', async (t) => {
  const h = await startCycleHarness(
    { spaces: [ENG], content: [PAGE] },
    { tenant: (config) => (config.unique.deprecatedIngestionConfig = { uniqueIngestionMode: 'SKIP_INGESTION' }) },
  );
  t.teardown(h.close);
  const result = await h.sync();
  t.equal(result.summary.ingested, 1);
  const registrations = h.unique.requests.filter((r) => r.operation === 'contentUpsert');
  t.ok(registrations.length > 0);
  t.notOk(registrations.some((r) => 'ingestionConfig' in (r.variables as { input: Record<string, unknown> }).input), 'the page is registered without it');
  t.equal(h.unique.state.content('acme/4101_ENG/5001')?.ingestionConfig, null);
  const warning = h.logs.lines().find((line) => line.field === 'unique.ingestionConfig');
  t.match(warning, { level: 40, replacement: 'ingestion.pageIngestionConfig', tenant: 'acme' });
});
