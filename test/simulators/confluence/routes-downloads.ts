/**
 * Attachment bytes (contract §6.4): Cloud's gateway download answers 302 to a signed
 * URL on a separate media origin; DC serves `/download/attachments/…` directly. The
 * bytes are streamed, never buffered beyond one generated block.
 */
import { generatedBytes } from './bytes.js';
import type { SimContext } from './context.js';
import { json, v1Error, type SimRequest, type SimResponse } from './http-io.js';
import type { AttachmentRecord } from './store.js';

const MEDIA_TOKEN_TTL_SECONDS = 15 * 60;
const mediaScope = (fileId: string): string => `media\u0000${fileId}`;

function bytesResponse(att: AttachmentRecord): SimResponse {
  return {
    status: 200,
    headers: {
      'content-type': att.mediaType,
      'content-disposition': `attachment; filename*=UTF-8''${encodeURIComponent(att.title)}`,
    },
    body:
      att.servedSize !== undefined
        ? { stream: () => generatedBytes(att.id, att.servedSize!), length: att.servedSize }
        : (att.bytes ?? { stream: () => generatedBytes(att.id, att.size), length: att.size }),
  };
}

/** The attachment on a visible page, or the status to answer instead. */
function findAttachment(ctx: SimContext, pageId: string, match: (att: AttachmentRecord) => boolean): AttachmentRecord | 403 | 404 {
  const page = ctx.store.get(pageId);
  if (!page || page.status !== 'current') return 404;
  if (ctx.store.spaceById(page.spaceId).denied) return 403;
  return page.attachments.find(match) ?? 404;
}

function notFound(found: 403 | 404): SimResponse {
  return found === 404 ? v1Error(404, 'Attachment not found') : v1Error(403, 'You do not have permission to view this attachment');
}

/** Cloud E6: `GET …/wiki/rest/api/content/{pageId}/child/attachment/{attId}/download` → 302. */
export function cloudDownloadRedirect(ctx: SimContext, pageId: string, attachmentId: string): SimResponse {
  const found = findAttachment(ctx, pageId, (att) => att.id === attachmentId);
  if (typeof found === 'number') return notFound(found);
  ctx.mediaFiles.set(found.fileId, found.id);
  const expiresAt = Math.floor(Date.now() / 1000) + MEDIA_TOKEN_TTL_SECONDS;
  const token = ctx.cursors.issue(mediaScope(found.fileId), expiresAt);
  const location = `${ctx.mediaOrigin}/file/${found.fileId}/binary?token=${token}&name=${encodeURIComponent(found.title)}`;
  return { status: 302, headers: { location } };
}

/** The media server: `GET /file/{fileId}/binary?token=…`; the token in the URL is the only credential. */
export function mediaDownload(ctx: SimContext, req: SimRequest, fileId: string): SimResponse {
  if (ctx.mediaRejectsAuthorization && req.headers.authorization !== undefined) {
    return json(400, { error: 'invalid_request', message: 'Authorization is not accepted with a signed media URL' });
  }
  const token = req.query.get('token');
  const expiresAt = token === null ? undefined : ctx.cursors.resolve(token, mediaScope(fileId));
  if (expiresAt === undefined || expiresAt * 1000 < Date.now()) return json(401, { error: 'unauthorized', message: 'Missing, invalid or expired media token' });
  const attachmentId = ctx.mediaFiles.get(fileId);
  const att = attachmentId === undefined ? undefined : ctx.store.attachments.get(attachmentId);
  if (!att || att.fileId !== fileId) return json(404, { error: 'not_found', message: 'File not found' });
  return bytesResponse(att);
}

/** DC E7: `GET {ctx}/download/attachments/{pageId}/{filename}?version=…`. Serves the current version. */
export function dataCenterDownload(ctx: SimContext, pageId: string, encodedFilename: string): SimResponse {
  let filename: string;
  try {
    filename = decodeURIComponent(encodedFilename);
  } catch {
    return v1Error(404, 'Attachment not found');
  }
  const found = findAttachment(ctx, pageId, (att) => att.title === filename);
  return typeof found === 'number' ? notFound(found) : bytesResponse(found);
}
