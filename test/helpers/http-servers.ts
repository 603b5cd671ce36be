/*
 * Shared by the HTTP tests: a real server on 127.0.0.1, port 0, that records what it
 * received. (Not a test file; tap lists it as "no tests found".)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectorError } from '../../src/errors.js';

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, received: Received) => void | Promise<void>;

export interface TestServer {
  url: string;
  origin: string;
  received: Received[];
  server: http.Server;
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: Received = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks), at: performance.now() };
      received.push(entry);
      Promise.resolve(handler(req, res, entry)).catch((error: unknown) => {
        res.statusCode = 599;
        res.end(String(error));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    origin,
    received,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** Fast retries for tests: same shape as production, milliseconds instead of seconds. */
export const FAST_RETRY = { retries: 3, minTimeoutMs: 5, factor: 2, maxTimeoutMs: 50 };

/** The error a promise rejects with; fails loudly when it resolves instead. */
export async function failure(promise: Promise<unknown>): Promise<ConnectorError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

/** What a test needs to register clean-up; keeps helpers independent of tap's types. */
export interface Teardown {
  teardown(fn: () => unknown): void;
}

/**
 * A server that answers headers for a 1000-byte JSON body and then writes only when
 * the test says so: `trickle` sends one byte per step and moves `clock` on by `stepMs`
 * after each (each byte would reset an idle timeout; only a throughput floor stops it).
 */
export async function startTrickleServer(): Promise<TestServer & { trickle(clock: { advance(ms: number): Promise<void> }, bytes: number, stepMs: number): Promise<void>; started(): boolean }> {
  const writers: ((chunk: string) => void)[] = [];
  const server = await startServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
    res.flushHeaders();
    writers.push((chunk) => res.write(chunk));
  });
  return Object.assign(server, {
    started: () => writers.length > 0,
    trickle: async (clock: { advance(ms: number): Promise<void> }, bytes: number, stepMs: number) => {
      for (let i = 0; i < bytes; i += 1) {
        writers[0]!('x');
        await clock.advance(stepMs);
      }
    },
  });
}

/**
 * Writes `block` to `res` as fast as the client reads it until `limit` bytes went out
 * (or the client hung up), then ends; `onSent` sees the running total.
 */
export function pumpBlocks(res: http.ServerResponse, block: Buffer, limit: number, onSent: (sent: number) => void = () => undefined): void {
  let sent = 0;
  const pump = (): void => {
    while (sent < limit && !res.destroyed) {
      sent += block.length;
      onSent(sent);
      if (!res.write(block)) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}
