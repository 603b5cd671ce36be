import { type Struct, StructError, validate } from 'superstruct';
import { ConnectorError, isAuthFailure, isConnectorError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { excerpt } from '../http/redact.js';
import type { AuthProvider, HttpResponse, RetryOptions } from '../http/types.js';

/**
 * Statuses whose body may still be a GraphQL error document (the platform answers
 * malformed documents with 400). They are read instead of thrown by the HTTP client;
 * 401/403/429/5xx stay with the client so its re-auth and retry logic applies.
 */
const GRAPHQL_ERROR_STATUSES = [400, 404, 409, 422];

/**
 * Unique contract §3 [R]: read-only queries are retried with the client's backoff;
 * mutations are idempotent here (upsert by key, delete by id, set external id) but are
 * retried once at most, so a flapping platform does not multiply writes.
 */
const MUTATION_RETRY: Partial<RetryOptions> = { retries: 1 };

export type OperationKind = 'query' | 'mutation';

export interface RunOptions {
  /** See `HttpRequest.retryUnanswered`. */
  retryUnanswered?: boolean;
  /**
   * A hand-written check of `shape`, no looser than it, tried first: the struct then runs
   * only to describe a failure. For the operations run twice per item, where the
   * struct's generic walk cost more than the rest of the answer's handling.
   */
  accepts?: (data: unknown) => boolean;
}

export interface GraphqlClientOptions {
  http: HttpClient;
  /** The service base URL (no trailing slash); `/graphql` is appended. */
  baseUrl: string;
  auth: AuthProvider;
}

interface GraphqlErrorEntry {
  message?: unknown;
  extensions?: { code?: unknown; response?: { statusCode?: unknown } };
}

interface GraphqlEnvelope {
  data?: unknown;
  errors?: GraphqlErrorEntry[];
}

/** A thin GraphQL client: one POST per operation, errors mapped to UNIQUE_GRAPHQL_ERROR. */
export class GraphqlClient {
  readonly url: string;
  readonly #http: HttpClient;
  readonly #auth: AuthProvider;

  constructor(options: GraphqlClientOptions) {
    this.url = `${options.baseUrl.replace(/\/+$/, '')}/graphql`;
    this.#http = options.http;
    this.#auth = options.auth;
  }

  /**
   * Runs one operation and returns `data`, checked against `shape`. Any `errors`
   * entry, a non-2xx status or a transport failure becomes UNIQUE_GRAPHQL_ERROR with
   * `details.operation` and `details.status` (the GraphQL statusCode, else the HTTP
   * status of a failed response, else 0).
   */
  async run<T>(kind: OperationKind, operation: string, document: string, variables: Record<string, unknown>, shape: Struct<T, unknown>, options: RunOptions = {}): Promise<T> {
    const envelope = await this.#post(operation, { query: document, variables, operationName: operation }, kind === 'query' ? true : MUTATION_RETRY, false, options);
    if (options.accepts?.(envelope.data) === true) return envelope.data as T;
    const result = validate(envelope.data, shape);
    if (result[0] !== undefined) throw invalidResponse(operation, result[0]);
    return result[1];
  }

  query<T>(operation: string, document: string, variables: Record<string, unknown>, shape: Struct<T, unknown>): Promise<T> {
    return this.run('query', operation, document, variables, shape);
  }

  mutate<T>(operation: string, document: string, variables: Record<string, unknown>, shape: Struct<T, unknown>, options: RunOptions = {}): Promise<T> {
    return this.run('mutation', operation, document, variables, shape, options);
  }

  /** Health ping `{ __typename }`: bypasses the rate limiter and is not retried. */
  async ping(): Promise<void> {
    const envelope = await this.#post('__typename', { query: '{ __typename }' }, false, true);
    const data = envelope.data as { __typename?: unknown } | null | undefined;
    if (data === null || typeof data !== 'object' || typeof data.__typename !== 'string') {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', `Unique GraphQL ping to ${this.url} returned no __typename`, { details: { url: this.url } });
    }
  }

  async #post(operation: string, body: Record<string, unknown>, retry: boolean | Partial<RetryOptions>, bypassRateLimit: boolean, options: RunOptions = {}): Promise<GraphqlEnvelope> {
    let response: HttpResponse;
    try {
      response = await this.#http.request({
        method: 'POST',
        url: this.url,
        headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json, application/json' },
        body: JSON.stringify(body),
        auth: this.#auth,
        retry,
        allowStatus: GRAPHQL_ERROR_STATUSES,
        endpoint: `graphql:${operation}`,
        buffer: true,
        retryUnanswered: options.retryUnanswered,
        bypassRateLimit,
      });
    } catch (error) {
      throw transportError(operation, this.url, error);
    }
    const text = await response.text();
    let envelope: GraphqlEnvelope | undefined;
    try {
      envelope = JSON.parse(text) as GraphqlEnvelope;
    } catch {
      envelope = undefined;
    }
    const errors = envelope !== undefined && envelope !== null && Array.isArray(envelope.errors) ? envelope.errors : [];
    if (errors.length > 0) throw graphqlError(operation, response.status, errors);
    if (response.status < 200 || response.status > 299) {
      throw new ConnectorError('UNIQUE_GRAPHQL_ERROR', `Unique GraphQL operation ${operation} failed with HTTP ${response.status}`, {
        details: { operation, status: response.status, httpStatus: response.status, bodyExcerpt: sanitizeMessage(excerpt(text)) },
      });
    }
    if (envelope === undefined || envelope === null || typeof envelope !== 'object') {
      throw new ConnectorError('UNIQUE_RESPONSE_INVALID', `Unique GraphQL operation ${operation} returned a body that is not JSON`, {
        details: { operation, httpStatus: response.status },
      });
    }
    return envelope;
  }
}

function graphqlError(operation: string, httpStatus: number, errors: GraphqlErrorEntry[]): ConnectorError {
  const first = errors[0] ?? {};
  const statusCode = first.extensions?.response?.statusCode;
  const graphqlStatus = typeof statusCode === 'number' ? statusCode : 0;
  const status = graphqlStatus !== 0 ? graphqlStatus : httpStatus >= 200 && httpStatus <= 299 ? 0 : httpStatus;
  const code = typeof first.extensions?.code === 'string' ? first.extensions.code : undefined;
  const message = sanitizeMessage(excerpt(typeof first.message === 'string' ? first.message : 'no message'));
  return new ConnectorError('UNIQUE_GRAPHQL_ERROR', `Unique GraphQL operation ${operation} failed with status ${status}: ${message}`, {
    details: { operation, status, httpStatus, graphqlCode: code, errorCount: errors.length, message },
  });
}

function transportError(operation: string, url: string, error: unknown): ConnectorError {
  if (isConnectorError(error, 'HTTP_ERROR')) {
    const status = typeof error.details.status === 'number' ? error.details.status : 0;
    const body = typeof error.details.bodyExcerpt === 'string' ? error.details.bodyExcerpt : '';
    const fromBody = statusFromBody(body);
    return new ConnectorError('UNIQUE_GRAPHQL_ERROR', `Unique GraphQL operation ${operation} failed with HTTP ${status}`, {
      cause: error,
      details: { operation, status: fromBody ?? status, httpStatus: status, bodyExcerpt: sanitizeMessage(body) },
    });
  }
  // Auth failures keep their own code: the operator must fix credentials, not the query.
  if (isAuthFailure(error)) return error;
  return new ConnectorError('UNIQUE_GRAPHQL_ERROR', `Unique GraphQL operation ${operation} to ${url} failed: ${sanitizeMessage(error instanceof Error ? error.message : String(error))}`, {
    cause: error,
    details: { operation, status: 0, httpStatus: 0 },
  });
}

/** A 401/403 answered as a GraphQL document still carries its statusCode in the excerpt. */
function statusFromBody(body: string): number | undefined {
  const match = /"statusCode"\s*:\s*(\d{3})/.exec(body);
  return match === null ? undefined : Number(match[1]);
}

/**
 * Unique contract §4.7: bulkMove (and folder) errors list file names in parentheses.
 * Those are customer data, so every parenthesised part of a server message is cut.
 */
export function sanitizeMessage(message: string): string {
  let result = message;
  // Innermost groups first, so nested parentheses collapse from the inside out.
  for (let previous = ''; previous !== result; ) {
    previous = result;
    result = result.replace(/\([^()]*\)/g, '\u0000');
  }
  // An excerpt may cut a list short: an unclosed group hides everything after it.
  const open = result.indexOf('(');
  if (open !== -1) result = `${result.slice(0, open)}(…`;
  return result.replace(/\u0000/g, '(…)');
}

function invalidResponse(operation: string, error: StructError): ConnectorError {
  const path = error.path.join('.') || '(data)';
  return new ConnectorError('UNIQUE_RESPONSE_INVALID', `Unique GraphQL operation ${operation} returned an unexpected shape at ${path}`, {
    details: { operation, path, expected: error.type },
  });
}
