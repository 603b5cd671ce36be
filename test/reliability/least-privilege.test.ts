/**
 * Secrets and least privilege, end to end on both flavours: a full sync (with an
 * attachment download and a token refresh), a failing cycle whose error bodies echo
 * the credentials, and a dump. Confluence only ever sees GETs (and token POSTs);
 * logs, error messages and dump output carry no secret in any encoding; credentials
 * never follow a redirect to another origin.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { OAUTH_CLIENT, PAT, startCycleHarness, type CycleHarnessOptions } from '../helpers/cycle-harness.js';
import { startServer } from '../helpers/http-servers.js';
import { assertNoSecrets, errorText } from '../helpers/secrets.js';
import { generatedSha256 } from '../simulators/confluence/index.js';
import { DEFAULT_ZITADEL } from '../simulators/unique/index.js';
import { ENG, SINGLE, later, page } from '../pipeline/support/scenario.js';
import { settle, watchUnhandledRejections } from './support/hostile.js';

const SEARCH = /\/rest\/api\/content\/search$/;
const PDF = { id: 'att9001', title: 'Runbook.pdf', mediaType: 'application/pdf', size: 70_000 };

const SHAPES: { name: string; options: CycleHarnessOptions; secrets: string[] }[] = [
  { name: 'Data Center with a PAT', options: { flavour: 'data-center', confluenceAuth: 'pat' }, secrets: [PAT] },
  { name: 'Data Center with OAuth', options: { flavour: 'data-center', confluenceAuth: 'oauth' }, secrets: [OAUTH_CLIENT.clientSecret] },
  { name: 'Cloud with OAuth', options: { flavour: 'cloud', confluenceAuth: 'oauth' }, secrets: [OAUTH_CLIENT.clientSecret] },
];

for (const shape of SHAPES) {
  t.test(`${shape.name}: sync, refresh, failure and dump only read Confluence and print no secret`, async (t) => {
    const unhandled = watchUnhandledRejections(t);
    const content = [page('5001', 'ENG', { labels: SINGLE, attachments: [PDF] }), page('5002', 'ENG', { labels: SINGLE })];
    const h = await startCycleHarness({ spaces: [ENG], content }, { ...shape.options, uniqueAuth: 'external', attachments: true });
    t.teardown(h.close);
    const secrets = [...shape.secrets, DEFAULT_ZITADEL.clientSecret];
    const errors: string[] = [];

    const first = await h.sync();
    t.equal(first.summary.ingested, 3, 'two pages and the PDF');
    t.equal(h.unique.state.content('acme/4101_ENG/5001::att9001')?.uploaded?.sha256, generatedSha256(PDF.id, PDF.size), 'the download arrived intact');

    // Tokens revoked on both sides: 401 → refresh → retry, with an edit to ingest.
    h.confluence.expireTokens();
    h.unique.expireTokens();
    h.confluence.state.updateContent('5002', { body: '<p>Edited.</p>', version: { number: 2, when: later() } });
    const refreshed = await h.sync();
    t.equal(refreshed.summary.ingested, 1);

    // Error bodies that echo the credentials back, as misconfigured gateways do.
    const echo = secrets.map((s) => `${s} ${Buffer.from(s).toString('base64')} ${encodeURIComponent(s)}`).join(' | ');
    h.confluence.faults.add({ path: SEARCH, status: 400, times: 1, body: JSON.stringify({ statusCode: 400, message: `bad request with ${echo}`, reason: 'Bad Request' }) });
    const failed = await settle(h.sync());
    t.equal(failed.error?.code, 'CONFLUENCE_HTTP_ERROR');
    errors.push(errorText(failed.error));
    h.confluence.faults.clear();
    h.confluence.faults.add({ path: SEARCH, status: 503, body: `<html>upstream said: Authorization: Bearer ${echo}</html>` });
    const exhausted = await settle(h.sync());
    t.equal(exhausted.error?.code, 'CONFLUENCE_HTTP_ERROR');
    errors.push(errorText(exhausted.error));
    h.confluence.faults.clear();
    h.unique.faults.add({ operation: 'paginatedScope', graphqlError: `denied for client secret ${echo}`, status: 403, times: 1 });
    const uniqueFailed = await settle(h.sync());
    t.ok(uniqueFailed.error, 'a Unique failure fails the cycle');
    errors.push(errorText(uniqueFailed.error));

    const dump = await h.dump(true);
    t.ok(dump.some((record) => record.id === '5001' && typeof record.html === 'string'), 'the dump carries bodies');

    t.same(h.confluence.nonGetRequests(), [], 'Confluence saw only GETs and token POSTs');
    t.doesNotThrow(() => h.confluence.assertReadOnly());
    if (shape.options.flavour === 'cloud') {
      const media = h.confluence.requests.filter((r) => r.server === 'media');
      t.ok(media.length > 0 && media.every((r) => r.authScheme === null && r.status === 200), 'the media origin never saw Authorization');
    }
    assertNoSecrets(t, { logs: h.logs.text(), errors: errors.join('\n'), dump: JSON.stringify(dump) }, secrets);
    t.notMatch(h.logs.text(), /Bearer [A-Za-z0-9._~+/=-]{8,}/, 'no bearer token in the logs');
    t.same(unhandled, []);
  });
}

for (const flavour of ['cloud', 'data-center'] as const) {
  t.test(`${flavour}: a download redirected to a foreign origin carries no Authorization there, through the real HttpClient`, async (t) => {
    const foreign = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/pdf' });
      res.end('foreign bytes');
    });
    t.teardown(foreign.close);
    const h = await startCycleHarness({ spaces: [ENG], content: [page('5001', 'ENG', { labels: SINGLE, attachments: [PDF] })] }, { flavour, attachments: true });
    t.teardown(h.close);
    const runtime = h.runtime();
    t.teardown(() => runtime.close());

    if (flavour === 'cloud') {
      // The simulator's own redirect: gateway (Bearer) → media origin (token in the URL only).
      const response = await runtime.confluence.downloadAttachment({ id: PDF.id, pageId: '5001' });
      const hash = createHash('sha256');
      for await (const chunk of response.body) hash.update(chunk as Buffer);
      t.equal(hash.digest('hex'), generatedSha256(PDF.id, PDF.size));
      const gateway = h.confluence.requests.find((r) => r.path.endsWith(`/child/attachment/${PDF.id}/download`));
      const media = h.confluence.requests.find((r) => r.server === 'media');
      t.match(gateway, { authScheme: 'Bearer', status: 302 });
      t.match(media, { authScheme: null, status: 200 }, 'the media server (which rejects Authorization) served the file');
    }

    // A redirect chain through a foreign origin (307 keeps the method; a signed URL's origin is never ours).
    h.confluence.faults.add({ path: /download/, status: 307, times: 1, headers: { location: `${foreign.origin}/signed/file?token=abc&sig=def` } });
    const response = await runtime.confluence.downloadAttachment({ id: PDF.id, pageId: '5001', downloadPath: `/download/attachments/5001/${PDF.title}` });
    t.equal(await response.text(), 'foreign bytes');
    t.equal(foreign.received.length, 1);
    const headers = foreign.received[0]!.headers;
    t.equal(headers.authorization, undefined, 'no Authorization on the foreign origin');
    t.equal(headers.cookie, undefined);
    t.equal(headers['proxy-authorization'], undefined);
    const asked = h.confluence.requests.filter((r) => /download/.test(r.path));
    t.equal(asked[asked.length - 1]?.authScheme, 'Bearer', 'the home origin got the credentials');
    h.confluence.assertReadOnly();
  });
}
