import t from 'tap';
import { withVersionExpand } from '../../src/confluence/attachments.js';
import { attachmentsMayBeIncomplete, cleanLabels, mapContent, selectionOf, toUtcIso } from '../../src/confluence/map-content.js';
import { asValid, invalidContentReason, v2AttachmentToV1, type RawContent } from '../../src/confluence/raw.js';
import { confluenceUrls } from '../../src/confluence/urls.js';

const labels = { single: 'ai-ingest', all: 'ai-ingest-all' };
const cloudUrls = confluenceUrls({ instanceType: 'cloud', baseUrl: 'https://acme.atlassian.net', cloudId: 'c1' }, 'https://api.atlassian.com');
const dcUrls = confluenceUrls({ instanceType: 'data-center', baseUrl: 'https://wiki.acme.internal' }, 'https://api.atlassian.com');

function raw(overrides: Partial<RawContent> = {}): RawContent {
  return {
    id: '65601',
    type: 'page',
    status: 'current',
    title: 'Release plan',
    space: { id: 98305, key: 'ENG', name: 'Engineering', type: 'global' },
    version: { number: 7, when: '2025-03-04T11:12:44.123+02:00' },
    metadata: { labels: { results: [{ name: 'zeta' }, { name: 'ai-ingest' }, { name: 'alpha' }, { name: 'ai-ingest-all' }] } },
    ancestors: [
      { id: '100', type: 'page', title: 'Root' },
      { id: '200', type: 'folder', title: 'Plans' },
    ],
    children: {
      attachment: {
        results: [
          {
            id: 'att70001',
            title: 'diagram.png',
            status: 'current',
            version: { number: 2, when: '2025-03-05T01:00:00+01:00' },
            extensions: { mediaType: 'image/png; charset=binary', fileSize: 48213 },
            _links: { download: '/download/attachments/65601/diagram.png?version=2&api=v2' },
          },
          { id: 'att70002', title: 'notes.pdf', extensions: { mediaType: 'application/pdf', fileSize: 10 } },
          { title: 'no id.pdf' },
        ],
        start: 0,
        limit: 25,
        size: 3,
      },
    },
    _links: { webui: '/spaces/ENG/pages/65601/Release+plan' },
    ...overrides,
  };
}

t.test('a raw page maps to a PageRecord', async (t) => {
  const record = mapContent(asValid(raw()), { urls: cloudUrls, labels, allRoots: new Set(['200']) });
  t.equal(record.kind, 'page');
  t.equal(record.space.id, '98305', 'space id stringified');
  t.same(record.space, { id: '98305', key: 'ENG', name: 'Engineering' });
  t.equal(record.updatedAt, '2025-03-04T09:12:44.123Z', '+02:00 normalised to UTC');
  t.same(record.version, { number: 7, when: '2025-03-04T09:12:44.123Z' });
  t.same(record.labels, ['alpha', 'zeta'], 'sync labels removed, rest sorted');
  t.same(record.rawLabels, ['zeta', 'ai-ingest', 'alpha', 'ai-ingest-all']);
  t.same(record.selection, { singleLabel: true, allLabel: true, viaAncestors: ['200'] });
  t.same(record.ancestors, [
    { id: '100', type: 'page', title: 'Root' },
    { id: '200', type: 'folder', title: 'Plans' },
  ]);
  t.equal(record.webUrl, 'https://acme.atlassian.net/wiki/spaces/ENG/pages/65601/Release+plan');
  t.same(record.attachments, [
    { id: 'att70001', title: 'diagram.png', mediaType: 'image/png; charset=binary', fileSize: 48213, updatedAt: '2025-03-05T00:00:00.000Z', downloadPath: '/download/attachments/65601/diagram.png?version=2&api=v2' },
    { id: 'att70002', title: 'notes.pdf', mediaType: 'application/pdf', fileSize: 10, updatedAt: '2025-03-04T09:12:44.123Z' },
  ], 'attachment time normalised or the page time; items without id dropped');
});

t.test('a DC page uses the viewpage URL and a numeric-id-only record', async (t) => {
  const record = mapContent(asValid(raw({ id: 65601 as unknown as string })), { urls: dcUrls, labels });
  t.equal(record.id, '65601');
  t.equal(record.webUrl, 'https://wiki.acme.internal/pages/viewpage.action?pageId=65601');
  t.same(record.selection.viaAncestors, [], 'no roots known: no ancestors selection');
});

t.test('a complete attachment list replaces the inline one', async (t) => {
  const record = mapContent(asValid(raw()), { urls: cloudUrls, labels, attachments: [{ id: 'att9', title: 'x.pdf', extensions: { mediaType: 'application/pdf', fileSize: '12' } }] });
  t.same(record.attachments.map((a) => [a.id, a.fileSize]), [['att9', 12]]);
});

t.test('missing labels and ancestors are empty lists', async (t) => {
  const record = mapContent(asValid(raw({ metadata: undefined, ancestors: undefined, children: undefined })), { urls: cloudUrls, labels });
  t.same(record.labels, []);
  t.same(record.rawLabels, []);
  t.same(record.ancestors, []);
  t.same(record.attachments, []);
  t.same(record.selection, { singleLabel: false, allLabel: false, viaAncestors: [] });
});

t.test('label helpers', async (t) => {
  t.same(cleanLabels(['b', 'AI-INGEST', 'a', 'a'], labels), ['a', 'b'], 'case-insensitive removal, duplicates folded');
  t.same(selectionOf(['ai-ingest-all'], [{ id: '1', title: '', type: 'page' }], labels, new Set(['1', '9'])), { singleLabel: false, allLabel: true, viaAncestors: ['1'] });
  t.equal(toUtcIso('2025-03-04T09:12:44Z'), '2025-03-04T09:12:44.000Z');
});

t.test('item validation names what is missing', async (t) => {
  t.equal(invalidContentReason(raw()), undefined);
  t.equal(invalidContentReason(raw({ id: undefined })), 'missing id');
  t.equal(invalidContentReason(raw({ type: undefined })), 'missing type');
  t.equal(invalidContentReason(raw({ title: undefined })), 'missing title');
  t.equal(invalidContentReason(raw({ space: { key: 'ENG' } })), 'missing space');
  t.equal(invalidContentReason(raw({ version: { when: 'yesterday' } })), 'missing or invalid version.when');
  t.equal(invalidContentReason(null as unknown as RawContent), 'not an object');
});

t.test('"more than 25" needs size >= limit', async (t) => {
  t.equal(attachmentsMayBeIncomplete(raw()), false);
  t.equal(attachmentsMayBeIncomplete(raw({ children: { attachment: { results: [], limit: 25, size: 25 } } })), true);
  t.equal(attachmentsMayBeIncomplete(raw({ children: undefined })), false);
});

t.test('v2 attachments map to v1 names', async (t) => {
  t.same(v2AttachmentToV1({ id: 'att1', title: 'a.png', status: 'current', mediaType: 'image/png', fileSize: 5, downloadLink: '/download/x', version: { number: 2, createdAt: WHEN_V2 } }), {
    id: 'att1',
    type: 'attachment',
    status: 'current',
    title: 'a.png',
    version: { number: 2, when: WHEN_V2 },
    extensions: { mediaType: 'image/png', fileSize: 5 },
    _links: { download: '/download/x', webui: undefined },
  });
});

const WHEN_V2 = '2025-03-04T09:12:44.123Z';

t.test('DC attachment next links get expand=version when it is missing', async (t) => {
  t.equal(withVersionExpand('/rest/api/content/1/child/attachment?limit=25&start=25'), '/rest/api/content/1/child/attachment?limit=25&start=25&expand=version');
  t.equal(withVersionExpand('/rest/api/content/1/child/attachment?limit=25&start=25&expand=version'), '/rest/api/content/1/child/attachment?limit=25&start=25&expand=version');
  t.equal(withVersionExpand('/rest/api/content/1/child/attachment?expand=extensions&limit=25'), '/rest/api/content/1/child/attachment?expand=extensions,version&limit=25');
  t.equal(withVersionExpand('/rest/api/content/1/child/attachment'), '/rest/api/content/1/child/attachment?expand=version');
});
