import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { HttpRequest } from './types.js';

/** Sizes and reads the client's transfer guard needs (transfer-guard.ts), and the caps on answers. */

export const MIB = 1024 * 1024;

/**
 * The most a buffered JSON answer (`HttpRequest.buffer`: listings, GraphQL, file-diff)
 * may deliver when its caller sets no cap of its own: the heap holds the text, its
 * parse and the caller's records at once, so one answer must not be able to fill it.
 * Real answers are far below (a listing page of 100 items with expansions: ~1 MB).
 */
export const MAX_JSON_RESPONSE_BYTES = 64 * MIB;

/**
 * The cap of a body search answer with pages of at most `maxPageBodyBytes` each: room
 * for one page at the limit (JSON escaping can add to it) plus the envelope. A batch
 * whose answer is larger is split until it fits or is down to a page too large to keep.
 */
export function bodySearchAnswerCap(maxPageBodyBytes: number): number {
  return 2 * maxPageBodyBytes + MIB;
}

/** `processing.maxPageBodyMb` in bytes. */
export function megabytes(mb: number): number {
  return Math.floor(mb * MIB);
}

/** A buffered request gets the JSON cap unless it brings its own. */
export function withJsonCap<T extends Pick<HttpRequest, 'buffer' | 'maxResponseBytes'>>(req: T): T {
  return req.buffer && req.maxResponseBytes === undefined ? { ...req, maxResponseBytes: MAX_JSON_RESPONSE_BYTES } : req;
}

/** The bytes a request sends, as far as they are known before sending. */
export function requestBodyBytes(req: HttpRequest): number {
  const { body } = req;
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (Buffer.isBuffer(body)) return body.length;
  if (body === undefined) return 0;
  const header = Object.entries(req.headers ?? {}).find(([name]) => name.toLowerCase() === 'content-length')?.[1];
  const length = Number(header);
  return Number.isFinite(length) && length > 0 ? length : 0;
}

export function declaredLength(headers: Dispatcher.ResponseData['headers']): number | undefined {
  const raw = headers['content-length'];
  const length = Number(Array.isArray(raw) ? raw[0] : raw);
  return Number.isFinite(length) && length >= 0 ? length : undefined;
}

export async function readAll(body: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}
