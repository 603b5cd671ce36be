/**
 * Attachment extraction: a page becomes the page followed by one record per listed
 * attachment. Discovery already completed each page's list beyond the inlined 25
 * (Confluence contract §6.2), so this is pure. Every attachment gets a record, the
 * rejected ones with their reason, so `dump` shows why something is not ingested;
 * the sync diffs and ingests only the accepted ones.
 */
import { isInlinableImage, normaliseMediaType, rejectionReason, type AttachmentPolicy } from '../attachment-policy.js';
import type { ConfluenceUrls } from '../confluence/urls.js';
import type { Logger } from '../log.js';
import type { AttachmentMeta, AttachmentRecord, PageRecord, PipelineRecord } from '../records.js';

export interface ExtractAttachmentsOptions {
  policy: AttachmentPolicy;
  urls: Pick<ConfluenceUrls, 'attachmentWebUrl'>;
  logger: Logger;
}

export const INLINED_REASON = 'image is inlined into its page (imageContentExtraction)';
export const SCAN_BUDGET_REASON = 'processing.maxItemsToScan reached';

export function extractAttachments(options: ExtractAttachmentsOptions): (page: PageRecord) => PipelineRecord[] {
  const { policy, urls, logger } = options;
  return (page) => {
    const records: AttachmentRecord[] = [];
    for (const meta of page.attachments) {
      const inlined = isInlinableImage(meta, policy);
      const rejected = inlined ? INLINED_REASON : rejectionReason(meta, policy);
      if (rejected !== undefined && !inlined) {
        logger.debug({ pageId: page.id, attachmentId: meta.id, mediaType: meta.mediaType, fileSize: meta.fileSize, reason: rejected }, 'Attachment skipped');
      }
      records.push(attachmentRecord(page, meta, urls, rejected));
    }
    return [withImageVersions(page, policy), ...records];
  };
}

export function attachmentRecord(page: PageRecord, meta: AttachmentMeta, urls: Pick<ConfluenceUrls, 'attachmentWebUrl'>, rejected?: string): AttachmentRecord {
  const record: AttachmentRecord = {
    kind: 'attachment',
    id: meta.id,
    pageId: page.id,
    space: page.space,
    title: meta.title,
    mediaType: normaliseMediaType(meta.mediaType),
    reportedMediaType: meta.mediaType,
    fileSize: meta.fileSize,
    updatedAt: meta.updatedAt,
    webUrl: urls.attachmentWebUrl(page.id, meta.id, meta.title),
  };
  if (meta.downloadPath !== undefined) record.downloadPath = meta.downloadPath;
  if (rejected !== undefined) record.rejected = rejected;
  return record;
}

/**
 * With inlining on, a replaced image changes the page Unique holds without changing
 * the page's version (Confluence contract §16.14 [R]): the page is dated by the
 * latest of its own version and its inlinable images' versions, so the diff sees it.
 * Images on other pages are only known after the body is read, so they cannot count.
 */
export function withImageVersions(page: PageRecord, policy: AttachmentPolicy): PageRecord {
  if (!policy.inlineImages) return page;
  let latest = Date.parse(page.updatedAt);
  for (const meta of page.attachments) {
    if (!isInlinableImage(meta, policy)) continue;
    const when = Date.parse(meta.updatedAt);
    if (!Number.isNaN(when) && (Number.isNaN(latest) || when > latest)) latest = when;
  }
  const updatedAt = Number.isNaN(latest) ? page.updatedAt : new Date(latest).toISOString();
  return updatedAt === page.updatedAt ? page : { ...page, updatedAt };
}

export interface ScanBudgetResult {
  records: PipelineRecord[];
  /** Accepted attachments turned away by the budget: the listing is then incomplete. */
  truncated: boolean;
}

/**
 * `processing.maxItemsToScan` counts pages first (discovery already stopped at it);
 * attachments take what is left, in listing order. Those beyond it are rejected, and
 * the cycle must not delete what it did not look at.
 */
export function applyScanBudget(records: readonly PipelineRecord[], maxItems: number | undefined): ScanBudgetResult {
  if (maxItems === undefined) return { records: [...records], truncated: false };
  let left = maxItems - records.filter((record) => record.kind === 'page').length;
  let truncated = false;
  const out = records.map((record): PipelineRecord => {
    if (record.kind !== 'attachment' || record.rejected !== undefined) return record;
    if (left > 0) {
      left -= 1;
      return record;
    }
    truncated = true;
    return { ...record, rejected: SCAN_BUDGET_REASON };
  });
  return { records: out, truncated };
}

export function isAccepted(record: PipelineRecord): boolean {
  return record.kind === 'page' || record.rejected === undefined;
}
