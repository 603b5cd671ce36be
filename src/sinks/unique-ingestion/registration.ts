import { attachmentIngestionConfig } from '../../attachment-policy.js';
import type { TenantConfig } from '../../config/types.js';
import type { AttachmentRecord, PageRecord } from '../../records.js';
import type { ContentInput, UpsertRequest } from '../../unique/content.js';
import { attachmentKey, pageKey, partialKey, sourceKind } from '../../unique/keys.js';

/**
 * The contentUpsert arguments of a page, exactly as Unique contract §9 lists them.
 * Register and finalize send the same request; finalize adds `fileUrl`.
 */
export function pageUpsertRequest(page: PageRecord, html: Buffer, scopeId: string, tenant: TenantConfig): UpsertRequest {
  const input: ContentInput = {
    key: pageKey(partialKey(tenant.name, page.space, tenant.ingestion.useV1KeyFormat), page.id),
    title: page.title,
    mimeType: 'text/html',
    ownerType: 'SCOPE',
    url: page.webUrl,
    byteSize: html.byteLength,
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
export function attachmentUpsertRequest(att: AttachmentRecord, scopeId: string, tenant: TenantConfig): UpsertRequest {
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
 */
function includedPagesMetadata(page: PageRecord): { includedPageIds?: string[] } {
  return page.includedPageIds && page.includedPageIds.length > 0 ? { includedPageIds: page.includedPageIds } : {};
}

export function upsertTarget(scopeId: string, tenant: TenantConfig): Omit<UpsertRequest, 'input'> {
  return {
    scopeId,
    sourceKind: sourceKind(tenant.confluence.instanceType),
    sourceName: tenant.confluence.baseUrl,
    storeInternally: tenant.ingestion.storeInternally,
    baseUrl: tenant.confluence.baseUrl,
  };
}

/** `ingestion.pageIngestionConfig` verbatim; the deprecated `unique.ingestionConfig` is never sent (the vendor does not send it either). */
function pageIngestionConfig(tenant: TenantConfig): Record<string, unknown> | undefined {
  return tenant.ingestion.pageIngestionConfig;
}
