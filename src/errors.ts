/**
 * One base error with a stable `code`, as undici does it: callers and tests match on
 * `code`, never on message text. Messages never carry secrets; HTTP failures are
 * reduced to method, URL without query secrets, status and a short body excerpt.
 */
export const ERROR_CODES = [
  'CONFIG_INVALID',
  'CONFIG_NOT_FOUND',
  'HTTP_ERROR',
  'HTTP_NETWORK_ERROR',
  'HTTP_TOO_MANY_REDIRECTS',
  'HTTP_PROXY_ERROR',
  'HTTP_ABORTED',
  /** A request to an origin the tenant's credentials are not bound to (a hostile or wrong link). */
  'HTTP_ORIGIN_REFUSED',
  /** A download or answer larger than its declared size (plus a margin) or the configured cap. */
  'HTTP_RESPONSE_TOO_LARGE',
  /** Confluence refused the tenant's credentials: a 401 on an API call, or a failed OAuth token request. */
  'CONFLUENCE_AUTH_FAILED',
  'CONFLUENCE_HTTP_ERROR',
  'CONFLUENCE_RESPONSE_INVALID',
  'DISCOVERY_FAILED',
  /** Zitadel refused the tenant's Unique service-user credentials (external mode), or could not be reached. */
  'ZITADEL_AUTH_FAILED',
  'UNIQUE_HTTP_ERROR',
  'UNIQUE_GRAPHQL_ERROR',
  'UNIQUE_RESPONSE_INVALID',
  'UNIQUE_SCOPE_NOT_FOUND',
  'UNIQUE_SCOPE_MIGRATION_FAILED',
  /** Logged, not thrown: Unique did not delete some contents (they come back as deleted in the next diff). */
  'UNIQUE_DELETE_FAILED',
  'SAFETY_GUARD_TRIPPED',
  'OWNERSHIP_MISMATCH',
  'CYCLE_STOPPED',
  /** A cycle ran past `processing.cycleTimeoutMinutes`: it was stopped like on SIGTERM and counts as failed. */
  'CYCLE_DEADLINE_EXCEEDED',
  /** Another process holds the tenant's lease in Unique: this cycle is skipped (sync exits 4). */
  'TENANT_LEASE_HELD',
  /** A deleted tenant's clean-up left scopes, contents or the root mark behind: the run counts as failed. */
  'CLEANUP_INCOMPLETE',
  'USAGE',
] as const;

/** Every code is explained in docs/runbook.md (test/ops/runbook.test.ts keeps the two in step). */
export type ErrorCode = (typeof ERROR_CODES)[number];

/** The code of anything thrown that is not a ConnectorError, in logs and on the CLI. */
export const UNEXPECTED = 'UNEXPECTED';

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

/** The code to log for any thrown value: its own, or UNEXPECTED. */
export function errorCode(error: unknown): string {
  return isConnectorError(error) ? error.code : UNEXPECTED;
}

/** A credential was refused (either side): the operator must fix a secret, not the network or the query. */
export function isAuthFailure(error: unknown): error is ConnectorError {
  return isConnectorError(error, 'CONFLUENCE_AUTH_FAILED') || isConnectorError(error, 'ZITADEL_AUTH_FAILED');
}

/** A short, single-line message for any thrown value, for log fields. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
