/**
 * Token endpoints and request authentication (contract §2). Tokens are opaque random
 * strings; `expireAll` forgets every issued token so later API calls get 401.
 */
import { randomBytes } from 'node:crypto';
import { json, type SimRequest, type SimResponse } from './http-io.js';
import type { ConfluenceScenario, Flavour } from './types.js';

const DEFAULT_TTL_SECONDS = 3600;

function oauthError(status: number, error: string, description: string): SimResponse {
  return json(status, { error, error_description: description });
}

function mediaTypeOf(req: SimRequest): string {
  return (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

export class AuthRegistry {
  private readonly tokens = new Map<string, number>();
  private readonly clients: Map<string, { secret: string; ttlSeconds: number }>;
  private readonly pats: Set<string>;
  private readonly basic: Map<string, string>;

  constructor(private readonly flavour: Flavour, scenario: ConfluenceScenario) {
    this.clients = new Map((scenario.oauthClients ?? []).map((c) => [c.clientId, { secret: c.clientSecret, ttlSeconds: c.ttlSeconds ?? DEFAULT_TTL_SECONDS }]));
    // PAT and Basic do not exist on Cloud's gateway, whatever the scenario lists.
    this.pats = new Set(flavour === 'data-center' ? (scenario.pats ?? []) : []);
    this.basic = new Map(flavour === 'data-center' ? (scenario.basicUsers ?? []).map((u) => [u.username, u.password]) : []);
  }

  /** Cloud `POST /oauth/token` (JSON) or DC `POST /rest/oauth2/latest/token` (form). */
  issueToken(req: SimRequest): SimResponse {
    const expected = this.flavour === 'cloud' ? 'application/json' : 'application/x-www-form-urlencoded';
    if (mediaTypeOf(req) !== expected) return oauthError(400, 'invalid_request', `Content-Type must be ${expected}`);
    let fields: Record<string, unknown>;
    try {
      fields = this.flavour === 'cloud' ? (JSON.parse(req.body) as Record<string, unknown>) : Object.fromEntries(new URLSearchParams(req.body));
    } catch {
      return oauthError(400, 'invalid_request', 'The request body is not valid JSON');
    }
    if (typeof fields !== 'object' || fields === null) return oauthError(400, 'invalid_request', 'The request body must be an object');
    if (fields.grant_type !== 'client_credentials') return oauthError(400, 'unsupported_grant_type', 'Only client_credentials is supported');
    const client = typeof fields.client_id === 'string' ? this.clients.get(fields.client_id) : undefined;
    if (!client || fields.client_secret !== client.secret) return oauthError(401, 'invalid_client', 'Client authentication failed');
    let scope = 'search:confluence read:attachment:confluence readonly:content.attachment:confluence';
    if (this.flavour === 'data-center') {
      const requested = typeof fields.scope === 'string' ? fields.scope.split(' ').filter(Boolean) : [];
      if (!requested.includes('READ')) return oauthError(400, 'invalid_scope', 'The scope must contain READ');
      scope = requested.join(' ');
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, Date.now() + client.ttlSeconds * 1000);
    return json(200, { access_token: token, token_type: 'Bearer', expires_in: client.ttlSeconds, scope });
  }

  /** True when the request carries one valid credential for this flavour. */
  authenticate(req: SimRequest): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const space = header.indexOf(' ');
    if (space < 0) return false;
    const scheme = header.slice(0, space).toLowerCase();
    const credential = header.slice(space + 1).trim();
    if (scheme === 'bearer') {
      const expiresAt = this.tokens.get(credential);
      if (expiresAt !== undefined) {
        if (expiresAt > Date.now()) return true;
        this.tokens.delete(credential);
        return false;
      }
      return this.pats.has(credential);
    }
    if (scheme === 'basic') {
      const decoded = Buffer.from(credential, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return false;
      const password = this.basic.get(decoded.slice(0, colon));
      return password !== undefined && password === decoded.slice(colon + 1);
    }
    return false;
  }

  expireAll(): void {
    this.tokens.clear();
  }
}
