import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import type { HttpRequest } from './types.js';

/** Sizes and reads the client's transfer guard needs (transfer-guard.ts). */

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
