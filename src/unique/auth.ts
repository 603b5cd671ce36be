import { CachedToken } from '../auth/cached-token.js';
import { uniqueCredentialHint } from '../auth/credential-hint.js';
import { requestToken } from '../auth/token-request.js';
import type { UniqueConfig } from '../config/types.js';
import type { HttpClient } from '../http/client.js';
import type { AuthProvider } from '../http/types.js';

/** Unique contract §2.1: the identity the vendor connector announces. */
export const SERVICE_ID = 'confluence-connector';
/** Unique contract §2.2 [R]: refresh 60 s early (the vendor waits for exact expiry). */
const ZITADEL_REFRESH_MARGIN_SECONDS = 60;

export interface UniqueAuthOptions {
  tenant: string;
  config: UniqueConfig;
  /** The client Zitadel token requests go through (proxied in external mode). */
  http: HttpClient;
}

/**
 * Headers for Unique GraphQL and file-diff calls. cluster_local: the service
 * headers and every `serviceExtraHeaders` entry, no Authorization. external: a
 * Zitadel client-credentials token as Bearer and nothing else: like the vendor's
 * connector, identity headers (`x-company-id`, `x-user-id`) never go to the gateway,
 * where the token already says who is calling.
 */
export function uniqueAuth(options: UniqueAuthOptions): AuthProvider {
  const { config } = options;
  if (config.serviceAuthMode === 'cluster_local') {
    const headers = { 'x-service-id': SERVICE_ID, ...lowerCaseKeys(config.serviceExtraHeaders) };
    return { headers: async () => ({ ...headers }) };
  }
  const scope = [
    'openid',
    'profile',
    'email',
    'urn:zitadel:iam:user:resourceowner',
    'urn:zitadel:iam:org:projects:roles',
    `urn:zitadel:iam:org:project:id:${config.zitadelProjectId}:aud`,
  ].join(' ');
  const token = new CachedToken({
    refreshMarginSeconds: ZITADEL_REFRESH_MARGIN_SECONDS,
    fetch: () =>
      requestToken(options.http, {
        what: 'Zitadel token',
        tenant: options.tenant,
        code: 'ZITADEL_AUTH_FAILED',
        hint: uniqueCredentialHint(config),
        url: config.zitadelOauthTokenUrl,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          authorization: `Basic ${Buffer.from(`${config.zitadelClientId}:${config.zitadelClientSecret.reveal()}`, 'utf8').toString('base64')}`,
        },
        body: new URLSearchParams({ scope, grant_type: 'client_credentials' }).toString(),
      }),
  });
  return {
    headers: async () => ({ authorization: `Bearer ${(await token.get()).reveal()}` }),
    invalidate: () => token.invalidate(),
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
}
