/**
 * Small node:http helpers: bounded JSON body reading and a Reply value that handlers
 * return, so the server writes and logs every answer in one place.
 */
import type { IncomingMessage } from 'node:http';

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  /** Serialised as JSON unless it is a string; undefined = empty body. */
  body?: unknown;
}

/** JSON request bodies (a file-diff of 20,000 items is a few MB) are capped well above that. */
const MAX_JSON_BYTES = 64 * 1024 * 1024;

export class BodyTooLarge extends Error {}

export async function readBody(req: IncomingMessage, limit = MAX_JSON_BYTES): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw new BodyTooLarge(`request body exceeds ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

export type JsonParse = { ok: true; value: unknown } | { ok: false; error: string };

export function parseJson(buffer: Buffer): JsonParse {
  try {
    return { ok: true, value: JSON.parse(buffer.toString('utf8')) };
  } catch (error) {
    return { ok: false, error: `Body is not valid JSON: ${(error as Error).message}` };
  }
}

export function restError(status: number, message: string, extra: Record<string, unknown> = {}): Reply {
  return { status, body: { statusCode: status, message, ...extra } };
}

export function isJsonContentType(req: IncomingMessage): boolean {
  return /^application\/(?:[\w.+-]*\+)?json\b/i.test(req.headers['content-type'] ?? '');
}

/** Drains an unread body so that answering early does not break the client's connection. */
export function drain(req: IncomingMessage): Promise<void> {
  if (req.readableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    req.on('end', resolve);
    req.on('error', () => resolve());
    req.on('close', resolve);
    req.resume();
  });
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
