/**
 * The request pipeline shared by the main and media servers: log, fault rules, strict
 * rate limit, route, the global latency (counted from arrival), write. Routes stay pure functions of the
 * request and the state.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { cloudRateLimitHeaders, dataCenterRateLimitHeaders, type FaultInjector, type SlidingWindowLimit } from './faults.js';
import { CursorStore } from './context.js';
import { arrivalTime, untilAnswer } from '../latency.js';
import { json, readBody, v1Error, writeResponse, type SimRequest, type SimResponse } from './http-io.js';
import type { RequestLog } from './request-log.js';
import type { FaultRule, Flavour, RequestLogEntry } from './types.js';

const TOKEN_PATH = /(\/oauth\/token|\/rest\/oauth2\/latest\/token)$/;

export interface PipelineHooks {
  flavour: Flavour;
  log: RequestLog;
  faults: FaultInjector;
  latencyMs: number;
  rateLimit?: { window: SlidingWindowLimit; perMinute: number };
}

function faultResponse(rule: FaultRule, status: number): SimResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json;charset=UTF-8', ...rule.headers };
  if (rule.retryAfter !== undefined) headers['retry-after'] = String(rule.retryAfter);
  if (rule.body !== undefined) return { status, headers, body: rule.body };
  const response = v1Error(status, 'Injected fault');
  return { ...response, headers: { ...response.headers, ...headers } };
}

let emptyPages = 0;

/** The `emptyPage` fault: no results, and a next link back to this very page. */
function emptiedPage(response: SimResponse, req: IncomingMessage, url: URL): SimResponse {
  if (response.status !== 200 || typeof response.body !== 'string') return response;
  const listing = JSON.parse(response.body) as { results?: unknown[]; size?: number; _links?: Record<string, string> };
  if (!Array.isArray(listing.results)) return response;
  emptyPages += 1;
  const again = new URL(url.pathname + url.search, `http://${req.headers.host ?? 'simulator.invalid'}`);
  again.searchParams.set('emptyPage', String(emptyPages));
  const cursor = again.searchParams.get('cursor');
  if (cursor !== null) again.searchParams.set('cursor', CursorStore.alias(cursor, emptyPages));
  const emptied = { ...listing, results: [], ...(listing.size === undefined ? {} : { size: 0 }), _links: { ...listing._links, next: again.toString() } };
  return { ...response, body: JSON.stringify(emptied) };
}

async function handle(
  server: RequestLogEntry['server'], route: (req: SimRequest) => SimResponse, hooks: PipelineHooks,
  req: IncomingMessage, res: ServerResponse,
): Promise<void> {
  const arrivedAt = arrivalTime();
  const url = new URL(req.url ?? '/', 'http://simulator.invalid');
  const method = (req.method ?? 'GET').toUpperCase();
  const entry = hooks.log.record(req, url.pathname, url.searchParams, server);
  const body = method === 'GET' || method === 'HEAD' ? (req.resume(), '') : await readBody(req);
  const decision = hooks.faults.decide(method, url.pathname, url.searchParams);
  if (decision.latencyMs > 0) await sleep(decision.latencyMs);
  const rule = decision.terminal;
  if (rule?.reset) {
    req.socket.destroy();
    return;
  }
  let response: SimResponse;
  let wait = 0;
  if (rule?.status !== undefined) {
    response = faultResponse(rule, rule.status);
  } else if (hooks.rateLimit && server === 'main' && !TOKEN_PATH.test(url.pathname) && (wait = hooks.rateLimit.window.admit()) > 0) {
    const { perMinute } = hooks.rateLimit;
    const headers = hooks.flavour === 'cloud' ? cloudRateLimitHeaders(wait, perMinute) : dataCenterRateLimitHeaders(wait, perMinute);
    response = json(429, { statusCode: 429, message: 'Rate limit exceeded', reason: 'Too Many Requests' }, headers);
  } else {
    try {
      response = route({ method, path: url.pathname, query: url.searchParams, headers: req.headers, body });
    } catch (error) {
      // A simulator bug must show up as a 500 in the test, not as a hung request.
      response = { status: 500, headers: { 'content-type': 'text/plain' }, body: `simulator error: ${error instanceof Error ? error.stack : String(error)}` };
    }
  }
  if (rule?.emptyPage === true) response = emptiedPage(response, req, url);
  entry.status = response.status;
  await untilAnswer(arrivedAt, hooks.latencyMs);
  await writeResponse(res, response, rule?.resetMidBody === true, rule?.trickle);
}

export async function startServer(
  server: RequestLogEntry['server'], route: (req: SimRequest) => SimResponse, hooks: PipelineHooks,
): Promise<{ http: Server; origin: string }> {
  const http = createServer((req, res) => {
    handle(server, route, hooks, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(`simulator error: ${error instanceof Error ? error.stack : String(error)}`);
      } else {
        res.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  return { http, origin: `http://127.0.0.1:${port}` };
}

export async function stopServer(http: Server): Promise<void> {
  http.closeAllConnections();
  await new Promise<void>((resolve) => http.close(() => resolve()));
}
