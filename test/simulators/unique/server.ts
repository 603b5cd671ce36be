/**
 * The request dispatcher: route (§1), read the body, apply faults, authenticate,
 * handle, and write and log the answer in one place.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from './auth.js';
import { contentOperations } from './content-operations.js';
import { SimError, graphqlErrorBody } from './errors.js';
import type { Faults } from './faults.js';
import { fileDiff } from './file-diff.js';
import { executeGraphql, readGraphqlRequest, type Endpoint, type OperationContext, type OperationDef } from './graphql.js';
import { arrivalTime, untilAnswer } from '../latency.js';
import { BodyTooLarge, drain, isJsonContentType, parseJson, readBody, restError, sleep, type Reply } from './http-util.js';
import { logEntry } from './request-log.js';
import { scopeOperations } from './scope-operations.js';
import type { Store } from './store.js';
import type { FaultRule, RequestLogEntry } from './types.js';
import { handleUpload } from './upload.js';
import type { SlidingWindowLimit } from '../sliding-window.js';

export const INGESTION_PATH = '/ingestion';
export const SCOPE_MANAGEMENT_PATH = '/scope-management';
export const TOKEN_PATH = '/oauth/v2/token';

const operations: Record<string, OperationDef> = { ...scopeOperations, ...contentOperations };

type Route = { kind: 'graphql'; endpoint: Endpoint } | { kind: 'diff' } | { kind: 'upload' } | { kind: 'token' };

const ROUTES: Record<string, { method: string; route: Route }> = {
  [`${INGESTION_PATH}/graphql`]: { method: 'POST', route: { kind: 'graphql', endpoint: 'ingestion' } },
  [`${SCOPE_MANAGEMENT_PATH}/graphql`]: { method: 'POST', route: { kind: 'graphql', endpoint: 'scopeManagement' } },
  [`${INGESTION_PATH}/v2/content/file-diff`]: { method: 'POST', route: { kind: 'diff' } },
  [`${INGESTION_PATH}/scoped/upload`]: { method: 'PUT', route: { kind: 'upload' } },
  [TOKEN_PATH]: { method: 'POST', route: { kind: 'token' } },
};

export interface ServerDeps {
  store: Store;
  auth: Auth;
  faults: Faults;
  log: RequestLogEntry[];
  latencyMs: number;
  keepBytesUpTo: number;
  ingestionDelayMs: number;
  later(ms: number, fn: () => void): void;
  /** Strict rate limit windows by limited endpoint (path), when the option is on. */
  rateLimit?: (path: string) => SlidingWindowLimit | undefined;
}

const CODES: Record<number, string> = {
  400: 'BAD_USER_INPUT', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 409: 'CONFLICT', 429: 'TOO_MANY_REQUESTS',
};
const codeFor = (status: number) => CODES[status] ?? (status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'ERROR');

function faultReply(rule: FaultRule, route: Route, operation: string | undefined): Reply {
  const status = rule.status ?? 500;
  const message = rule.graphqlError ?? `Injected fault (${status})`;
  const headers: Record<string, string> = rule.retryAfter === undefined ? {} : { 'retry-after': String(rule.retryAfter) };
  if (route.kind === 'graphql') {
    return { status: rule.httpStatus ?? 200, headers, body: graphqlErrorBody(new SimError(status, codeFor(status), message), operation) };
  }
  if (route.kind === 'token') return { status, headers, body: { error: 'server_error', error_description: message } };
  return { ...restError(status, message), headers };
}

function authReply(route: Route, status: number, message: string): Reply {
  if (route.kind !== 'graphql') return restError(status, message);
  return { status, body: graphqlErrorBody(new SimError(status, codeFor(status), message)) };
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let payload: string | undefined;
  if (reply.body !== undefined) {
    payload = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
    headers['content-type'] ??= typeof reply.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8';
  }
  headers['content-length'] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
  res.writeHead(reply.status, headers);
  res.end(payload);
}

export function createHandler(deps: ServerDeps) {
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Collapse before parsing: `//ingestion/...` would otherwise parse as a host name.
    const raw = req.url ?? '/';
    const queryAt = raw.indexOf('?');
    const rawPath = (queryAt < 0 ? raw : raw.slice(0, queryAt)).replace(/\/{2,}/g, '/');
    const url = new URL(rawPath + (queryAt < 0 ? '' : raw.slice(queryAt)), 'http://simulator.invalid');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const detail: { operation?: string; variables?: unknown } = {};
    const arrivedAt = arrivalTime();
    const finish = async (reply: Reply) => {
      await untilAnswer(arrivedAt, deps.latencyMs);
      deps.log.push(logEntry(method, path, req.headers, reply.status, detail));
      send(res, reply);
    };

    const entry = ROUTES[path];
    if (!entry || entry.method !== method) {
      await drain(req);
      return finish(entry ? restError(405, `Method ${method} not allowed`) : restError(404, `No route for ${path}`));
    }
    const { route } = entry;
    const wait = deps.rateLimit?.(path)?.admit() ?? 0;
    if (wait > 0) {
      await drain(req);
      return finish({ ...restError(429, 'Rate limit exceeded'), headers: { 'retry-after': String(wait) } });
    }

    let body: Buffer | undefined;
    let parsed: ReturnType<typeof parseJson> | undefined;
    if (route.kind !== 'upload') {
      try {
        body = await readBody(req);
      } catch (error) {
        if (error instanceof BodyTooLarge) return finish(restError(413, error.message));
        throw error;
      }
      if (route.kind !== 'token') parsed = parseJson(body);
    }
    const graphql = route.kind === 'graphql' ? readGraphqlRequest(parsed!.ok ? parsed!.value : undefined) : undefined;
    if (graphql) {
      if (!parsed!.ok) graphql.error = parsed!.error;
      detail.operation = graphql.operation;
      detail.variables = graphql.variables;
    } else if (route.kind === 'diff' && parsed!.ok) detail.variables = parsed!.value;

    const firing = deps.faults.match({ path, operation: detail.operation, variables: detail.variables });
    const delay = firing.reduce((sum, rule) => sum + (rule.latencyMs ?? 0), 0);
    if (delay > 0) await sleep(delay);
    const request = { path, operation: detail.operation, variables: detail.variables };
    await Promise.all(firing.flatMap((rule) => (rule.hold ? [rule.hold(request)] : [])));
    if (firing.some((rule) => rule.reset)) {
      deps.log.push(logEntry(method, path, req.headers, 0, detail));
      req.socket.destroy();
      return;
    }
    const failing = firing.find((rule) => rule.status !== undefined || rule.graphqlError !== undefined);
    if (failing) {
      if (route.kind === 'upload') await drain(req);
      return finish(faultReply(failing, route, detail.operation));
    }

    switch (route.kind) {
      case 'token':
        return finish(deps.auth.token(req.headers, body!));
      case 'upload':
        return finish(await handleUpload(req, url, deps.store, deps.keepBytesUpTo));
      case 'diff':
      case 'graphql': {
        const auth = deps.auth.check(req.headers);
        if (!auth.ok) return finish(authReply(route, auth.status, auth.message));
        if (!isJsonContentType(req)) return finish(restError(415, 'Content-Type must be application/json'));
        if (route.kind === 'diff') {
          return finish(parsed!.ok ? fileDiff(parsed!.value, deps.store) : restError(400, parsed!.error, { error: 'Bad Request' }));
        }
        const ctx: OperationContext = {
          store: deps.store,
          userId: auth.userId,
          failedFolders: firing.some((rule) => rule.failedFolders),
          ingestionDelayMs: deps.ingestionDelayMs,
          later: deps.later,
        };
        return finish(executeGraphql(graphql!, route.endpoint, operations, ctx));
      }
    }
  }

  return (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      deps.log.push(logEntry(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!, req.headers, 500, {}));
      send(res, restError(500, `Simulator failure: ${(error as Error).message}`));
    });
  };
}
