/**
 * One base error with a stable `code`, as undici does it: callers and tests match on
 * `code`, never on message text. Messages never carry secrets; HTTP failures are
 * reduced to method, URL without query secrets, status and a short body excerpt.
 */
export type ErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'HTTP_ERROR'
  | 'HTTP_NETWORK_ERROR'
  | 'HTTP_TOO_MANY_REDIRECTS'
  | 'HTTP_PROXY_ERROR'
  | 'HTTP_ABORTED'
  | 'AUTH_FAILED'
  | 'CONFLUENCE_HTTP_ERROR'
  | 'CONFLUENCE_RESPONSE_INVALID'
  | 'DISCOVERY_FAILED'
  | 'UNIQUE_HTTP_ERROR'
  | 'UNIQUE_GRAPHQL_ERROR'
  | 'UNIQUE_RESPONSE_INVALID'
  | 'UNIQUE_SCOPE_NOT_FOUND'
  | 'UNIQUE_SCOPE_MIGRATION_FAILED'
  | 'SAFETY_GUARD_TRIPPED'
  | 'OWNERSHIP_MISMATCH'
  | 'CYCLE_STOPPED'
  | 'CLEANUP_INCOMPLETE'
  | 'USAGE';

export class ConnectorError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ConnectorError';
    this.code = code;
    this.details = options.details ?? {};
  }
}

export function isConnectorError(error: unknown, code?: ErrorCode): error is ConnectorError {
  return error instanceof ConnectorError && (code === undefined || error.code === code);
}

/** A short, single-line message for any thrown value, for log fields. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
