/**
 * What `ingestItem` uploads for a record. A page: its converted HTML.
 * An attachment (Unique contract §6, §7): the Confluence download, requested while the
 * registration is in flight (and cut off if it fails; only its first bytes, up to the
 * stream's buffer, are then read), as the body of the upload PUT, so the bytes pass through
 * and never sit whole in memory. `Content-Length` is the size Confluence declared
 * (Confluence contract §6.4); if the download delivers a different number of bytes, or
 * breaks off, the upload fails and `ingestItem` removes the registered content.
 */
import type { ConfluenceApi } from '../../confluence/api.js';
import type { TenantConfig } from '../../config/types.js';
import type { AttachmentRecord, IngestRecord, PageWithHtml } from '../../records.js';
import type { IngestPayload } from './ingest-item.js';
import { upsertRequest } from './registration.js';

export interface PayloadContext {
  tenant: TenantConfig;
  confluence: Pick<ConfluenceApi, 'downloadAttachment'>;
  /** Cuts off a download in flight (the stop's grace period ran out). */
  abandon?: AbortSignal;
}

export function payloadOf(record: IngestRecord, scopeId: string, ctx: PayloadContext): IngestPayload {
  return record.kind === 'page' ? pagePayload(record, scopeId, ctx) : attachmentPayload(record, scopeId, ctx);
}

function pagePayload(page: PageWithHtml, scopeId: string, ctx: PayloadContext): IngestPayload {
  // Encoded once, here: undici would copy a string body into a Buffer anyway, and the
  // size (for the registration, the deadline and Content-Length) is then its length
  // rather than three scans of the string.
  const body = Buffer.from(page.html, 'utf8');
  return {
    request: upsertRequest(page, scopeId, ctx.tenant, body.length),
    contentType: 'text/html',
    open: async () => ({ body, contentLength: body.length }),
  };
}

function attachmentPayload(att: AttachmentRecord, scopeId: string, ctx: PayloadContext): IngestPayload {
  return {
    request: upsertRequest(att, scopeId, ctx.tenant),
    contentType: att.reportedMediaType,
    openEarly: true,
    open: async () => {
      const controller = new AbortController();
      const signal = ctx.abandon ? AbortSignal.any([controller.signal, ctx.abandon]) : controller.signal;
      const response = await ctx.confluence.downloadAttachment(att, signal);
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
