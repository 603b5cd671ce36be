import { PassThrough, Readable } from 'node:stream';
import t from 'tap';
import type { AttachmentPolicy } from '../../src/attachment-policy.js';
import { convertStorage } from '../../src/convert/index.js';
import type { HttpResponse } from '../../src/http/types.js';
import { createLogger } from '../../src/log.js';
import { ReadAccess } from '../../src/read-restrictions/access.js';
import type { AttachmentMeta, PageRecord, PageWithStorage } from '../../src/records.js';
import { inlineImagesWith } from '../../src/transforms/inline-images/index.js';
import { Capture } from '../helpers/capture.js';
import { findImageReferences } from '../../src/transforms/inline-images/references.js';

const policy: AttachmentPolicy = { enabled: true, allowed: new Set(['image/png', 'image/jpeg', 'application/pdf']), maxBytes: 1000, imageOcr: true, inlineImages: true };
const logger = createLogger({ level: 'error', stream: new Capture() });
/** `ingest` mode asks Confluence nothing; the refusal of restricted pages' images is proven against the simulator (read-access tests). */
const access = new ReadAccess({ mode: 'ingest', api: undefined as never, logger, concurrency: 1 });
const b64 = (s: string) => Buffer.from(s).toString('base64');

function meta(id: string, title: string, mediaType = 'image/png', fileSize = 10): AttachmentMeta {
  return { id, title, mediaType, fileSize, updatedAt: '2026-01-01T00:00:00.000Z' };
}

function page(storage: string, attachments: AttachmentMeta[]): PageWithStorage {
  return {
    kind: 'page', id: '1', type: 'page', title: 'Home', space: { id: '7', key: 'ENG', name: 'Engineering' },
    version: { number: 1, when: '2026-01-01T00:00:00.000Z' }, updatedAt: '2026-01-01T00:00:00.000Z', labels: [], rawLabels: [],
    selection: { singleLabel: true, allLabel: false, viaAncestors: [] }, ancestors: [], webUrl: 'https://wiki/1', attachments, storage,
  };
}

function response(body: Readable): HttpResponse {
  return { status: 200, headers: {}, url: 'x', body, json: async <T,>() => ({}) as T, text: async () => '' };
}

function fakeApi(options: { others?: Record<string, PageRecord>; fail?: Set<string> } = {}) {
  const calls = { downloads: [] as string[], lookups: [] as string[], inFlight: 0, maxInFlight: 0 };
  const api = {
    async downloadAttachment(target: { id: string; pageId: string }) {
      calls.downloads.push(`${target.pageId}/${target.id}`);
      calls.inFlight += 1;
      calls.maxInFlight = Math.max(calls.maxInFlight, calls.inFlight);
      await new Promise((resolve) => setImmediate(resolve));
      calls.inFlight -= 1;
      if (options.fail?.has(target.id)) {
        const broken = new PassThrough();
        broken.write('half');
        setImmediate(() => broken.destroy(new Error('socket reset')));
        return response(broken);
      }
      return response(Readable.from([Buffer.from(`bytes-of-${target.id}`)]));
    },
    async findPageByTitle(spaceKey: string, title: string) {
      calls.lookups.push(`${spaceKey}/${title}`);
      return options.others?.[`${spaceKey}/${title}`];
    },
  };
  return { api, calls };
}

t.test('references: spans, resources, alt, caption; unclosed macros are not touched', async (t) => {
  const body = '<p>x <ac:image ac:alt="A &amp; B" ac:width="640" ac:title="T"><ri:attachment ri:filename="a.png" /><ac:caption><p>Cap</p></ac:caption></ac:image></p>'
    + '<ac:image><ri:attachment ri:filename="b.png"><ri:page ri:space-key="MKT" ri:content-title="Brand" /></ri:attachment></ac:image>'
    + '<ac:image><ri:url ri:value="https://cdn/x.png" /></ac:image>'
    + '<ac:image><ri:attachment ri:filename="c.png"><ri:blog-post ri:content-title="News" ri:posting-day="2025/03/04" /></ri:attachment></ac:image>'
    + '<ac:image><ri:attachment /></ac:image>'
    + '<p><ac:image><ri:attachment ri:filename="d.png" /></p><p>after</p>';
  const refs = findImageReferences(body);
  t.equal(refs.length, 5, 'the unclosed macro is not a reference');
  t.equal(body.slice(refs[0]!.start, refs[0]!.end).startsWith('<ac:image ac:alt'), true);
  t.equal(body.slice(refs[0]!.start, refs[0]!.end).endsWith('</ac:image>'), true);
  t.match(refs[0], { alt: 'A & B', width: '640', title: 'T', caption: '<p>Cap</p>', resource: { kind: 'attachment', filename: 'a.png' } });
  t.same(refs[1]!.resource, { kind: 'attachment', filename: 'b.png', page: { spaceKey: 'MKT', title: 'Brand' } });
  t.same(refs[2]!.resource, { kind: 'url' });
  t.match(refs[3]!.resource, { kind: 'other' });
  t.match(refs[4]!.resource, { kind: 'other', why: 'attachment without ri:filename' });
});

t.test('same-page and cross-page images become data: URLs; the rest keep their macros', async (t) => {
  const brand = { ...page('', [meta('att9', 'logo.png')]), id: '9', title: 'Brand' };
  const q3 = { ...page('', [meta('att8', 'q3.png')]), id: '8', title: 'Quarterly' };
  const { api, calls } = fakeApi({ others: { 'MKT/Brand': brand, 'ENG/Quarterly': q3 }, fail: new Set(['att5']) });
  const inline = inlineImagesWith({ api, policy, logger, access });
  const storage = '<p><ac:image ac:alt="Deploy"><ri:attachment ri:filename="deploy.png" /><ac:caption>The <em>flow</em></ac:caption></ac:image></p>'
    + '<p><ac:image><ri:attachment ri:filename="logo.png"><ri:page ri:space-key="MKT" ri:content-title="Brand" /></ri:attachment></ac:image></p>'
    + '<p><ac:image><ri:attachment ri:filename="q3.png"><ri:page ri:content-title="Quarterly" /></ri:attachment></ac:image></p>'
    + '<p><ac:image><ri:attachment ri:filename="logo.png"><ri:page ri:space-key="MKT" ri:content-title="Brand" /></ri:attachment></ac:image></p>'
    + '<p><ac:image ac:height="120"><ri:url ri:value="https://cdn.example.org/banner.png" /></ac:image></p>'
    + '<p><ac:image><ri:attachment ri:filename="missing.png" /></ac:image></p>'
    + '<p><ac:image><ri:attachment ri:filename="spec.pdf" /></ac:image></p>'
    + '<p><ac:image><ri:attachment ri:filename="huge.png" /></ac:image></p>'
    + '<p><ac:image><ri:attachment ri:filename="broken.png" /></ac:image></p>';
  const attachments = [
    meta('att1', 'deploy.png'), meta('att2', 'spec.pdf', 'application/pdf'), meta('att3', 'huge.png', 'image/png', 5000),
    meta('att4', 'orphan.png', 'image/PNG; charset=binary'), meta('att5', 'broken.png'),
  ];
  const out = (await inline(page(storage, attachments))).storage!;
  t.match(out, `<img src="data:image/png;base64,${b64('bytes-of-att1')}" alt="Deploy" /> The <em>flow</em>`, 'same page, alt and caption kept');
  t.equal(out.split(`data:image/png;base64,${b64('bytes-of-att9')}`).length - 1, 2, 'cross-page image inlined at both references');
  t.match(out, `alt="logo.png"`, 'alt falls back to the file name');
  t.match(out, b64('bytes-of-att8'), 'missing space key means the page own space');
  t.match(out, '<ri:url ri:value="https://cdn.example.org/banner.png" />', 'external image untouched');
  for (const name of ['missing.png', 'spec.pdf', 'huge.png', 'broken.png']) t.match(out, `<ri:attachment ri:filename="${name}" />`, `${name} keeps its macro`);
  t.ok(out.endsWith(`<p><img src="data:image/png;base64,${b64('bytes-of-att4')}" alt="orphan.png" /></p>`), 'unreferenced image appended');
  t.same(calls.lookups.sort(), ['ENG/Quarterly', 'MKT/Brand'], 'each other page looked up once');
  t.same(calls.downloads.sort(), ['1/att1', '1/att4', '1/att5', '8/att8', '9/att9'], 'each image downloaded once; nothing not inlinable fetched');
  t.ok(calls.maxInFlight <= 4, 'downloads per page are bounded');

  // The cache lives as long as the inliner (one cycle).
  await inline(page('<ac:image><ri:attachment ri:filename="logo.png"><ri:page ri:space-key="MKT" ri:content-title="Brand" /></ri:attachment></ac:image>', []));
  t.equal(calls.lookups.length, 2);

  const html = convertStorage(out, { spaceKey: 'ENG' });
  t.match(html, `src="data:image/png;base64,${b64('bytes-of-att1')}"`, 'the converter keeps inlined images');
  t.match(html, '[image: missing.png]');
});

t.test('a page without images is returned as it is', async (t) => {
  const { api, calls } = fakeApi();
  const input = page('<p>no images</p>', [meta('att2', 'spec.pdf', 'application/pdf')]);
  t.equal(await inlineImagesWith({ api, policy, logger, access })(input), input);
  t.equal(calls.downloads.length, 0);
});

t.test('an image larger than the cap when downloaded is not inlined', async (t) => {
  const api = {
    downloadAttachment: async () => response(Readable.from([Buffer.alloc(800), Buffer.alloc(800)])),
    findPageByTitle: async () => undefined,
  };
  const input = page('<ac:image><ri:attachment ri:filename="a.png" /></ac:image>', [meta('att1', 'a.png', 'image/png', 10)]);
  const out = await inlineImagesWith({ api, policy, logger, access })(input);
  t.equal(out.storage, input.storage);
});
