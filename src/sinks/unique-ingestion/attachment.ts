/**
 * Streaming an attachment from Confluence into Unique (Unique contract §6, §7): the
 * download is opened only after the registration succeeded, and its body is the body
 * of the upload PUT, so the bytes pass through and never sit whole in memory.
 * `Content-Length` is the size Confluence declared (Confluence contract §6.4); if the
 * download delivers a different number of bytes, or breaks off, the upload fails and
 * `ingestItem` removes the registered content.
 */
import type { ConfluenceApi } from '../../confluence/api.js';
import type { TenantConfig } from '../../config/types.js';
import type { AttachmentRecord } from '../../records.js';
import type { IngestPayload } from './ingest-item.js';
import { attachmentUpsertRequest } from './registration.js';

export function attachmentPayload(att: AttachmentRecord, scopeId: string, tenant: TenantConfig, api: Pick<ConfluenceApi, 'downloadAttachment'>): IngestPayload {
  return {
    request: attachmentUpsertRequest(att, scopeId, tenant),
    contentType: att.reportedMediaType,
    open: async () => {
      const controller = new AbortController();
      const response = await api.downloadAttachment(att, controller.signal);
      return {
        body: response.body,
        contentLength: att.fileSize,
        // Abort the download (socket included) when the upload or finalization fails.
        destroy: () => {
          response.body.destroy();
          controller.abort();
        },
      };
    },
  };
}
