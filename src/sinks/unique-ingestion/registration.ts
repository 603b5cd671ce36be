import { attachmentIngestionConfig } from '../../attachment-policy.js';
import type { TenantConfig } from '../../config/types.js';
import type { AttachmentRecord, IngestRecord, PageWithHtml } from '../../records.js';
import type { ContentInput, UpsertRequest } from '../../unique/content.js';
import { attachmentKey, pageKey, partialKey } from '../../unique/keys.js';
import { upsertTarget } from '../../unique/upsert-target.js';

/**
 * The one place an item's contentUpsert arguments are built (Unique contract §9).
 * Register and finalize send the same request; finalize adds `fileUrl`. `byteSize` is
 * the page's uploaded HTML in bytes; an attachment's is its declared size.
 */
export function upsertRequest(record: IngestRecord, scopeId: string, tenant: TenantConfig, htmlBytes = 0): UpsertRequest {
  return record.kind === 'page' ? pageUpsertRequest(record, htmlBytes, scopeId, tenant) : attachmentUpsertRequest(record, scopeId, tenant);
}

/** The contentUpsert arguments of a page, exactly as Unique contract §9 lists them. */
function pageUpsertRequest(page: PageWithHtml, htmlBytes: number, scopeId: string, tenant: TenantConfig): UpsertRequest {
  const input: ContentInput = {
    key: pageKey(partialKey(tenant.name, page.space, tenant.ingestion.useV1KeyFormat), page.id),
    title: page.title,
    mimeType: 'text/html',
    ownerType: 'SCOPE',
    url: page.webUrl,
    byteSize: htmlBytes,
    metadata: { confluenceLabels: page.labels, spaceKey: page.space.key, spaceName: page.space.name, ...includedPagesMetadata(page) },
    ingestionConfig: pageIngestionConfig(tenant),
  };
  return { input, ...upsertTarget(scopeId, tenant) };
}

/**
 * The contentUpsert arguments of an attachment (Unique contract §9): the file name as
 * title, the media type as Confluence reports it, the declared size, and only the
 * space in the metadata. OCR is asked for on JPEG/PNG unless switched off.
 */
function attachmentUpsertRequest(att: AttachmentRecord, scopeId: string, tenant: TenantConfig): UpsertRequest {
  const input: ContentInput = {
    key: attachmentKey(partialKey(tenant.name, att.space, tenant.ingestion.useV1KeyFormat), att.pageId, att.id),
    title: att.title,
    mimeType: att.reportedMediaType,
    ownerType: 'SCOPE',
    url: att.webUrl,
    byteSize: att.fileSize,
    metadata: { spaceKey: att.space.key, spaceName: att.space.name },
    ingestionConfig: attachmentIngestionConfig(att.mediaType, tenant.ingestion.attachments),
  };
  return { input, ...upsertTarget(scopeId, tenant) };
}

/**
 * The ids of the pages this page includes, so a later cycle sees their changes as a
 * change of this page (transforms/included-changes); omitted when it includes none.
 * `refusedPageIds`: included pages whose content was refused for their read
 * restrictions, so a later cycle sees the restriction lifted; omitted when none.
 */
function includedPagesMetadata(page: PageWithHtml): { includedPageIds?: string[]; refusedPageIds?: string[] } {
  const included = page.includedPageIds && page.includedPageIds.length > 0 ? { includedPageIds: page.includedPageIds } : {};
  return page.refusedPageIds && page.refusedPageIds.length > 0 ? { ...included, refusedPageIds: page.refusedPageIds } : included;
}

/** `ingestion.pageIngestionConfig` verbatim; the deprecated `unique.ingestionConfig` is never sent (the vendor does not send it either). */
function pageIngestionConfig(tenant: TenantConfig): Record<string, unknown> | undefined {
  return tenant.ingestion.pageIngestionConfig;
}
