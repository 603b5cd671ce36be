import t from 'tap';
import { attachmentIngestionConfig, normaliseMediaType, rejectionReason, type AttachmentPolicy } from '../../src/attachment-policy.js';
import { createLogger } from '../../src/log.js';
import type { AttachmentMeta, AttachmentRecord, PageRecord } from '../../src/records.js';
import { applyScanBudget, extractAttachments, INLINED_REASON, isAccepted, SCAN_BUDGET_REASON } from '../../src/transforms/extract-attachments.js';
import { Capture } from '../helpers/capture.js';

const MB = 1024 * 1024;
const policy = (extra: Partial<AttachmentPolicy> = {}): AttachmentPolicy => ({
  enabled: true,
  allowed: new Set(['application/pdf', 'text/plain', 'image/png']),
  maxBytes: 2 * MB,
  imageOcr: true,
  inlineImages: false,
  ...extra,
});
const urls = { attachmentWebUrl: (pageId: string, attId: string, title: string) => `https://wiki/${pageId}/${attId}/${title}` };

function att(id: string, mediaType: string, fileSize: number, updatedAt = '2026-01-01T00:00:00.000Z'): AttachmentMeta {
  return { id, title: `${id}.bin`, mediaType, fileSize, updatedAt, downloadPath: `/download/attachments/1/${id}.bin` };
}

function page(attachments: AttachmentMeta[], updatedAt = '2026-01-01T00:00:00.000Z'): PageRecord {
  return {
    kind: 'page', id: '1', type: 'page', title: 'P', space: { id: '7', key: 'ENG', name: 'Engineering' },
    version: { number: 1, when: updatedAt }, updatedAt, labels: [], rawLabels: [],
    selection: { singleLabel: true, allLabel: false, viaAncestors: [] }, ancestors: [], webUrl: 'https://wiki/1', attachments,
  };
}

t.test('media types are compared without parameters and case', async (t) => {
  t.equal(normaliseMediaType(' Image/PNG ; charset=binary'), 'image/png');
  t.equal(rejectionReason({ mediaType: 'APPLICATION/PDF; x=y', fileSize: 10 }, policy()), undefined);
});

t.test('each rejection names its reason', async (t) => {
  t.match(rejectionReason({ mediaType: 'application/zip', fileSize: 10 }, policy()), /application\/zip is not in allowedMimeTypes/);
  t.match(rejectionReason({ mediaType: 'application/pdf', fileSize: 2 * MB + 1 }, policy()), /exceeds maxFileSizeMb/);
  t.equal(rejectionReason({ mediaType: 'application/pdf', fileSize: 2 * MB }, policy()), undefined, 'exactly the cap is allowed');
  t.equal(rejectionReason({ mediaType: 'application/pdf', fileSize: 0 }, policy()), 'zero-byte file');
  t.equal(rejectionReason({ mediaType: 'application/pdf', fileSize: 1 }, policy({ enabled: false })), 'attachment ingestion is disabled');
});

t.test('a page becomes the page and one record per attachment, rejected ones with their reason', async (t) => {
  const logs = new Capture();
  const extract = extractAttachments({ policy: policy(), urls, logger: createLogger({ level: 'debug', stream: logs }) });
  const records = extract(page([att('att1', 'application/pdf; charset=binary', 100, '2026-02-01T00:00:00.000Z'), att('att2', 'application/zip', 5), att('att3', 'text/plain', 0)]));
  t.equal(records[0]!.kind, 'page');
  const [pdf, zip, empty] = records.slice(1) as AttachmentRecord[];
  t.same(pdf, {
    kind: 'attachment', id: 'att1', pageId: '1', space: { id: '7', key: 'ENG', name: 'Engineering' }, title: 'att1.bin',
    mediaType: 'application/pdf', reportedMediaType: 'application/pdf; charset=binary', fileSize: 100,
    updatedAt: '2026-02-01T00:00:00.000Z', webUrl: 'https://wiki/1/att1/att1.bin', downloadPath: '/download/attachments/1/att1.bin',
  });
  t.match(zip!.rejected, /not in allowedMimeTypes/);
  t.equal(empty!.rejected, 'zero-byte file');
  t.same(records.filter(isAccepted).map((r) => r.id), ['1', 'att1']);
  const skipped = logs.lines().filter((line) => line.msg === 'Attachment skipped');
  t.equal(skipped.length, 2, 'one debug line per rejected attachment');
  t.ok(skipped.every((line) => line.level === 20));
});

t.test('with inlining on, images are left out and date their page', async (t) => {
  const extract = extractAttachments({ policy: policy({ inlineImages: true }), urls, logger: createLogger({ level: 'error', stream: new Capture() }) });
  const records = extract(page([att('img1', 'image/png', 10, '2026-03-01T00:00:00.000Z'), att('img2', 'image/png', 3 * MB, '2026-04-01T00:00:00.000Z'), att('doc', 'text/plain', 4)]));
  const [first, img1, img2, doc] = records as [PageRecord, AttachmentRecord, AttachmentRecord, AttachmentRecord];
  t.equal(first.updatedAt, '2026-03-01T00:00:00.000Z', 'the inlinable image is newer than the page; the oversized one does not count');
  t.equal(first.version.when, '2026-01-01T00:00:00.000Z', 'the version itself is untouched');
  t.equal(img1.rejected, INLINED_REASON);
  t.match(img2.rejected, /exceeds maxFileSizeMb/);
  t.equal(doc.rejected, undefined);
});

t.test('jpgReadMode only for JPEG and PNG, and only with OCR on', async (t) => {
  t.same(attachmentIngestionConfig('image/PNG; charset=binary', { imageOcr: true }), { jpgReadMode: 'DOC_INTELLIGENCE_DEFAULT' });
  t.same(attachmentIngestionConfig('image/jpeg', { imageOcr: true }), { jpgReadMode: 'DOC_INTELLIGENCE_DEFAULT' });
  t.equal(attachmentIngestionConfig('image/gif', { imageOcr: true }), undefined);
  t.equal(attachmentIngestionConfig('image/png', { imageOcr: false }), undefined);
  t.equal(attachmentIngestionConfig('application/pdf', { imageOcr: true }), undefined);
});

t.test('maxItemsToScan counts pages first; attachments take what is left', async (t) => {
  const extract = extractAttachments({ policy: policy(), urls, logger: createLogger({ level: 'error', stream: new Capture() }) });
  const records = [
    ...extract(page([att('a1', 'text/plain', 1), att('a2', 'application/zip', 1), att('a3', 'text/plain', 1)])),
    ...extract({ ...page([att('b1', 'text/plain', 1)]), id: '2' }),
  ];
  const limited = applyScanBudget(records, 4);
  t.equal(limited.truncated, true);
  t.same(limited.records.filter(isAccepted).map((r) => r.id), ['1', 'a1', 'a3', '2'], 'two pages, then two attachments');
  t.equal((limited.records.find((r) => r.id === 'b1') as AttachmentRecord).rejected, SCAN_BUDGET_REASON);
  t.match((limited.records.find((r) => r.id === 'a2') as AttachmentRecord).rejected, /allowedMimeTypes/, 'an earlier reason stays');
  t.same(applyScanBudget(records, 5), { records, truncated: false }, 'an exact fit is complete');
  t.equal(applyScanBudget(records, undefined).truncated, false);
});
