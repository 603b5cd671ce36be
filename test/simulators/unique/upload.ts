/**
 * Blob upload (§6): `PUT {ingestion}/scoped/upload?key=…`, the path of every issued
 * writeUrl. No auth: the key is the credential. The body is streamed through sha256
 * and only kept in memory up to `keepBytesUpTo`, so a large attachment costs its hash.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ContentRecord } from './content-store.js';
import { drain, restError, type Reply } from './http-util.js';
import type { Store } from './store.js';

async function reject(req: IncomingMessage, record: ContentRecord | undefined, status: number, message: string): Promise<Reply> {
  // A rejected upload leaves the content without bytes, so a later finalize fails.
  if (record) record.uploaded = null;
  await drain(req);
  return restError(status, message);
}

export async function handleUpload(req: IncomingMessage, url: URL, store: Store, keepBytesUpTo: number): Promise<Reply> {
  const uploadKey = url.searchParams.get('key');
  if (!uploadKey) return reject(req, undefined, 400, 'Missing key query parameter');
  const record = store.contents.byUploadKey(uploadKey);
  if (!record) return reject(req, undefined, 404, 'Unknown upload key');
  if (req.headers['x-ms-blob-type'] !== 'BlockBlob') return reject(req, record, 400, 'x-ms-blob-type must be BlockBlob');
  const declared = req.headers['content-length'];
  if (declared === undefined) return reject(req, record, 411, 'Content-Length is required');
  const contentLength = Number(declared);
  if (contentLength !== record.byteSize) {
    return reject(req, record, 400, `Content-Length ${contentLength} differs from the registered byteSize ${record.byteSize}`);
  }

  const hash = createHash('sha256');
  let chunks: Buffer[] | null = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      hash.update(chunk);
      size += chunk.length;
      if (chunks !== null && size > keepBytesUpTo) chunks = null;
      chunks?.push(chunk);
    }
  } catch {
    record.uploaded = null;
    return restError(400, 'Upload aborted');
  }
  if (size !== contentLength) return reject(req, record, 400, `Body has ${size} bytes, Content-Length says ${contentLength}`);
  // The registration may have been replaced or deleted while the bytes were in flight.
  if (store.contents.byUploadKey(uploadKey) !== record) return restError(404, 'Upload key is no longer valid');
  const bytes = chunks === null ? undefined : Buffer.concat(chunks, size);
  record.uploaded = {
    size,
    sha256: hash.digest('hex'),
    contentType: req.headers['content-type'] ?? null,
    ...(bytes === undefined ? {} : { bytes, text: bytes.toString('utf8') }),
  };
  return { status: 201 };
}
