/**
 * Responses as values: route handlers return a SimResponse and one writer sends it,
 * so faults such as "reset mid-body" apply the same way to JSON and downloads.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';

export interface StreamBody { stream: () => Readable; length: number }
export interface SimResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string | Buffer | StreamBody;
}

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: string;
}

export function json(status: number, value: unknown, headers: Record<string, string> = {}): SimResponse {
  return { status, headers: { 'content-type': 'application/json;charset=UTF-8', ...headers }, body: JSON.stringify(value) };
}

const REASONS: Record<number, string> = {
  400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed',
  410: 'Gone', 429: 'Too Many Requests', 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout',
};

/** The v1 REST error body (contract §11). */
export function v1Error(status: number, message: string, headers: Record<string, string> = {}): SimResponse {
  return json(status, { statusCode: status, message, reason: REASONS[status] ?? 'Error' }, headers);
}

/** The Cloud v2 error body (contract §11). */
export function v2Error(status: number, code: string, title: string): SimResponse {
  return json(status, { errors: [{ status, code, title, detail: null }] });
}

export async function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total <= limit) chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function bodyLength(body: SimResponse['body']): number {
  if (body === undefined) return 0;
  if (typeof body === 'string') return Buffer.byteLength(body);
  return Buffer.isBuffer(body) ? body.length : body.length;
}

/**
 * Sends the response. With `cutMidBody` only the headers and the first half of the
 * body go out before the socket is destroyed, so the client sees a short body.
 */
export async function writeResponse(res: ServerResponse, response: SimResponse, cutMidBody = false, trickle?: { bytes: number; everyMs: number }): Promise<void> {
  const length = bodyLength(response.body);
  res.writeHead(response.status, { ...response.headers, 'content-length': String(length) });
  const body = response.body;
  if (trickle !== undefined && body !== undefined) {
    await writeTrickle(res, body, trickle);
    return;
  }
  if (body === undefined || (!cutMidBody && (typeof body === 'string' || Buffer.isBuffer(body)))) {
    res.end(body);
    return;
  }
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const bytes = Buffer.from(body);
    res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => res.destroy());
    return;
  }
  const source = body.stream();
  if (!cutMidBody) {
    // pipeline destroys the source when the client goes away mid-download.
    await pipeline(source, res).catch(() => undefined);
    return;
  }
  let left = Math.floor(length / 2);
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      if (left <= 0) break;
      const part = chunk.length > left ? chunk.subarray(0, left) : chunk;
      left -= part.length;
      if (!res.write(part)) await drainedOrClosed(res);
      if (res.destroyed) break;
    }
  } finally {
    source.destroy();
    res.destroy();
  }
}

/** The body a few bytes at a time with a pause between, until it is sent or the client gives up. */
async function writeTrickle(res: ServerResponse, body: NonNullable<SimResponse['body']>, trickle: { bytes: number; everyMs: number }): Promise<void> {
  const stream = typeof body === 'string' || Buffer.isBuffer(body) ? undefined : body.stream();
  const source: Iterable<Buffer> | AsyncIterable<Buffer> = stream === undefined ? [Buffer.from(body as string | Buffer)] : (stream as AsyncIterable<Buffer>);
  try {
    for await (const chunk of source) {
      for (let at = 0; at < chunk.length; at += trickle.bytes) {
        if (res.destroyed) return;
        res.write(chunk.subarray(at, at + trickle.bytes));
        await new Promise((resolve) => setTimeout(resolve, trickle.everyMs).unref());
      }
    }
    res.end();
  } finally {
    stream?.destroy();
  }
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.once('drain', done);
    res.once('close', done);
  });
}
