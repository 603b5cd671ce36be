/**
 * Authentication (§2, §2.4): the Zitadel client-credentials token endpoint and the
 * checks on GraphQL and file-diff requests — company and user headers in
 * `cluster_local`, an issued, unexpired Bearer token in `external`.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Reply } from './http-util.js';
import type { UniqueScenario, ZitadelClient } from './types.js';

export const DEFAULT_ZITADEL: Required<ZitadelClient> = {
  clientId: 'connector-client',
  clientSecret: 'connector-secret',
  projectId: 'project_1',
  ttlSeconds: 3600,
};

export type AuthResult = { ok: true; userId: string } | { ok: false; status: 401 | 403; message: string };

const header = (headers: IncomingHttpHeaders, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

export class Auth {
  private readonly tokens = new Map<string, { userId: string; expiresAt: number }>();
  readonly zitadel: Required<ZitadelClient>;

  constructor(private readonly scenario: UniqueScenario, private readonly users: ReadonlySet<string>) {
    this.zitadel = { ...DEFAULT_ZITADEL, ...scenario.zitadel };
  }

  get issuedTokens(): number {
    return this.tokens.size;
  }

  expireTokens(): void {
    for (const token of this.tokens.values()) token.expiresAt = 0;
  }

  check(headers: IncomingHttpHeaders): AuthResult {
    if (this.scenario.authMode === 'cluster_local') {
      const companyId = header(headers, 'x-company-id');
      const userId = header(headers, 'x-user-id');
      if (!companyId || !userId) return { ok: false, status: 401, message: 'x-company-id and x-user-id headers are required' };
      if (companyId !== this.scenario.companyId) return { ok: false, status: 403, message: 'Unknown company' };
      if (!this.users.has(userId)) return { ok: false, status: 403, message: 'Unknown user' };
      return { ok: true, userId };
    }
    const match = /^Bearer\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '');
    if (!match) return { ok: false, status: 401, message: 'Bearer token required' };
    const token = this.tokens.get(match[1]!);
    if (!token) return { ok: false, status: 401, message: 'Invalid token' };
    if (Date.now() >= token.expiresAt) return { ok: false, status: 401, message: 'Token expired' };
    return { ok: true, userId: token.userId };
  }

  /** `POST /oauth/v2/token` with `grant_type=client_credentials` and Basic client authentication. */
  token(headers: IncomingHttpHeaders, body: Buffer): Reply {
    const oauthError = (status: number, error: string, description: string): Reply => ({
      status,
      body: { error, error_description: description },
    });
    if (!/^application\/x-www-form-urlencoded\b/i.test(header(headers, 'content-type') ?? '')) {
      return oauthError(400, 'invalid_request', 'Content-Type must be application/x-www-form-urlencoded');
    }
    const basic = /^Basic\s+(\S+)$/i.exec(header(headers, 'authorization') ?? '');
    const decoded = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const clientId = colon < 0 ? '' : decoded.slice(0, colon);
    const clientSecret = colon < 0 ? '' : decoded.slice(colon + 1);
    if (clientId !== this.zitadel.clientId || clientSecret !== this.zitadel.clientSecret) {
      return oauthError(401, 'invalid_client', 'client authentication failed');
    }
    const form = new URLSearchParams(body.toString('utf8'));
    if (form.get('grant_type') !== 'client_credentials') {
      return oauthError(400, 'unsupported_grant_type', 'grant_type must be client_credentials');
    }
    const audience = `urn:zitadel:iam:org:project:id:${this.zitadel.projectId}:aud`;
    if (!(form.get('scope') ?? '').split(' ').includes(audience)) {
      return oauthError(400, 'invalid_scope', `scope must contain ${audience}`);
    }
    const accessToken = randomBytes(24).toString('base64url');
    this.tokens.set(accessToken, { userId: this.scenario.serviceUserId, expiresAt: Date.now() + this.zitadel.ttlSeconds * 1000 });
    return { status: 200, body: { access_token: accessToken, token_type: 'Bearer', expires_in: this.zitadel.ttlSeconds } };
  }
}
