import { ConnectorError, errorMessage, type ErrorCode } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import { type IssuedToken, parseTokenResponse } from './cached-token.js';

export interface TokenRequest {
  /** What is asked for, for messages: 'Confluence OAuth token', 'Zitadel token'. */
  what: string;
  tenant: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The side's own auth code: CONFLUENCE_AUTH_FAILED or ZITADEL_AUTH_FAILED. */
  code: Extract<ErrorCode, 'CONFLUENCE_AUTH_FAILED' | 'ZITADEL_AUTH_FAILED'>;
  /** What the operator should check ("check confluence.auth.clientSecret (environment variable …) in …"), appended to the message. */
  hint?: string;
}

const ALL_ERROR_STATUSES = Array.from({ length: 200 }, (_, i) => 400 + i);

/**
 * POSTs one token request (never retried, as both contracts say) and turns every
 * failure into the side's auth error (`request.code`) naming the tenant, the endpoint,
 * the status, the OAuth `error` field and the fields to check, never the credentials.
 */
export async function requestToken(http: HttpClient, request: TokenRequest): Promise<IssuedToken> {
  const context = { tenant: request.tenant, endpoint: request.url };
  const hint = request.hint ? `; ${request.hint}` : '';
  let response;
  try {
    response = await http.request({
      method: 'POST',
      url: request.url,
      headers: request.headers,
      body: request.body,
      retry: false,
      allowStatus: ALL_ERROR_STATUSES,
      endpoint: 'token',
    });
  } catch (error) {
    throw new ConnectorError(request.code, `${request.what} request for tenant ${request.tenant} to ${request.url} failed: ${errorMessage(error)}${hint}`, {
      cause: error,
      details: context,
    });
  }
  const text = await response.text();
  const body = parseJson(text);
  if (response.status < 200 || response.status > 299) {
    const reason = oauthError(body);
    throw new ConnectorError(
      request.code,
      `${request.what} request for tenant ${request.tenant} to ${request.url} failed with HTTP ${response.status}${reason ? ` (${reason})` : ''}${hint}`,
      { details: { ...context, status: response.status, error: reason } },
    );
  }
  const parsed = parseTokenResponse(body);
  if (typeof parsed === 'string') {
    throw new ConnectorError(request.code, `${request.what} request for tenant ${request.tenant} to ${request.url} failed: ${parsed}${hint}`, {
      details: { ...context, status: response.status },
    });
  }
  return parsed;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The OAuth error code (and description when short), as the server put it. */
function oauthError(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const { error, error_description: description } = body as Record<string, unknown>;
  if (typeof error !== 'string') return undefined;
  return typeof description === 'string' && description.length <= 200 ? `${error}: ${description}` : error;
}
