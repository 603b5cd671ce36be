import t from 'tap';
import type { PageWithStorage } from '../../src/records.js';
import { convertBody, convertBodyWith, webContextFromPageUrl } from '../../src/transforms/convert-body.js';

function page(overrides: Partial<PageWithStorage> = {}): PageWithStorage {
  return {
    kind: 'page',
    id: '123',
    type: 'page',
    title: 'Runbook',
    space: { id: '98305', key: 'OPS', name: 'Operations' },
    version: { number: 3, when: '2025-03-01T10:00:00.000Z' },
    updatedAt: '2025-03-01T10:00:00.000Z',
    labels: [],
    rawLabels: ['ingest'],
    selection: { singleLabel: true, allLabel: false, viaAncestors: [] },
    ancestors: [],
    webUrl: 'https://confluence.acme.example/pages/viewpage.action?pageId=123',
    attachments: [],
    storage: '<p>See <ac:link><ri:page ri:content-title="On-call rota" /></ac:link>.</p>',
    ...overrides,
  };
}

t.test('convertBody sets html from storage and leaves the rest of the record as it was', async (t) => {
  const input = page();
  const output = convertBody(input);
  t.equal(output.html, '<p>See <a href="https://confluence.acme.example/display/OPS/On-call+rota">On-call rota</a>.</p>\n');
  const { storage: _storage, ...metadata } = input;
  t.same({ ...output, html: undefined }, { ...metadata, html: undefined }, 'the storage body is not carried on');
  t.notOk('html' in input, 'the input record is not mutated');
});

t.test('a page without a storage body gets empty html', async (t) => {
  t.equal(convertBody(page({ storage: undefined })).html, '');
});

t.test('same-space page links use the page record space key', async (t) => {
  const output = convertBody(page({ space: { id: '1', key: 'HR', name: 'People' } }));
  t.match(output.html, 'https://confluence.acme.example/display/HR/On-call+rota');
});

t.test('convertBodyWith builds Cloud display links under /wiki', async (t) => {
  const convert = convertBodyWith({ baseUrl: 'https://acme.atlassian.net/', instanceType: 'cloud' });
  t.match(convert(page()).html, 'href="https://acme.atlassian.net/wiki/display/OPS/On-call+rota"');
});

t.test('convertBodyWith builds DC display links under the context path', async (t) => {
  const convert = convertBodyWith({ baseUrl: 'https://intranet.acme.example/confluence', instanceType: 'data-center' });
  t.match(convert(page()).html, 'href="https://intranet.acme.example/confluence/display/OPS/On-call+rota"');
});

t.test('the web context is read from every page URL shape the connector builds', async (t) => {
  t.equal(webContextFromPageUrl('https://confluence.acme.example/pages/viewpage.action?pageId=1'), 'https://confluence.acme.example');
  t.equal(webContextFromPageUrl('https://intranet.acme.example/wiki/pages/viewpage.action?pageId=1'), 'https://intranet.acme.example/wiki', 'a DC context path named wiki');
  t.equal(webContextFromPageUrl('https://acme.atlassian.net/wiki/spaces/OPS/pages/123/Runbook'), 'https://acme.atlassian.net/wiki');
  t.equal(webContextFromPageUrl('https://acme.atlassian.net/wiki/spaces/OPS/blog/2025/03/04/99/Recap'), 'https://acme.atlassian.net/wiki');
  t.equal(webContextFromPageUrl('not a url'), undefined);
});

t.test('a page URL of unknown shape keeps page link text without an href', async (t) => {
  const output = convertBody(page({ webUrl: 'urn:page:123' }));
  t.equal(output.html, '<p>See On-call rota.</p>\n');
});
