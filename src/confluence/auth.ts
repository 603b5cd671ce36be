import { CachedToken } from '../auth/cached-token.js';
import { confluenceCredentialHint } from '../auth/credential-hint.js';
import { requestToken } from '../auth/token-request.js';
import { hasUserInfo } from '../config/rules.js';
import type { ConfluenceConfig } from '../config/types.js';
import { ConnectorError } from '../errors.js';
import type { HttpClient } from '../http/client.js';
import type { AuthProvider } from '../http/types.js';

/** Where Cloud tokens and the Cloud API gateway live; overridable for simulators. */
export const DEFAULT_ATLASSIAN_API_BASE_URL = 'https://api.atlassian.com';
/** Confluence contract §2.5: treat the token as expired 5 minutes early. */
const CONFLUENCE_REFRESH_MARGIN_SECONDS = 300;

export function atlassianApiBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  const value = (env.ATLASSIAN_API_BASE_URL || DEFAULT_ATLASSIAN_API_BASE_URL).replace(/\/+$/, '');
  // Like every configured URL: no user info (it would ride along in messages), http(s) only.
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value) || hasUserInfo(value)) {
    throw new ConnectorError('CONFIG_INVALID', `ATLASSIAN_API_BASE_URL must be an http(s) URL without user info (the value is not shown)`);
  }
  return value;
}

export interface ConfluenceAuthOptions {
  tenant: string;
  config: ConfluenceConfig;
  /** The client token requests go through (Confluence traffic: the proxy applies). */
  http: HttpClient;
  atlassianApiBaseUrl: string;
}

/**
 * The `Authorization` header for Confluence API calls: a static Bearer PAT, or an
 * OAuth 2.0 client-credentials token (Cloud: JSON body to the Atlassian gateway;
 * Data Center 10.1+: form body with scope READ to the instance).
 */
export function confluenceAuth(options: ConfluenceAuthOptions): AuthProvider {
  const { auth } = options.config;
  if (auth.mode === 'pat') {
    return { headers: async () => ({ authorization: `Bearer ${auth.token.reveal()}` }) };
  }
  const token = new CachedToken({
    refreshMarginSeconds: CONFLUENCE_REFRESH_MARGIN_SECONDS,
    fetch: () =>
      requestToken(options.http, {
        what: 'Confluence OAuth token',
        tenant: options.tenant,
        code: 'CONFLUENCE_AUTH_FAILED',
        hint: confluenceCredentialHint(options.config),
        ...oauthTokenRequest(options),
      }),
  });
  return {
    headers: async () => ({ authorization: `Bearer ${(await token.get()).reveal()}` }),
    invalidate: () => token.invalidate(),
  };
}

function oauthTokenRequest(options: ConfluenceAuthOptions): { url: string; headers: Record<string, string>; body: string } {
  const { config } = options;
  if (config.auth.mode !== 'oauth_2lo') throw new Error('unreachable: oauth request for a non-oauth tenant');
  const clientId = config.auth.clientId;
  const clientSecret = config.auth.clientSecret.reveal();
  if (config.instanceType === 'cloud') {
    return {
      url: `${options.atlassianApiBaseUrl}/oauth/token`,
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
    };
  }
  return {
    url: `${config.baseUrl}/rest/oauth2/latest/token`,
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, scope: 'READ' }).toString(),
  };
}
