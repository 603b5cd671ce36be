/**
 * Display names of mentioned users, for the resolve-references stage. The content
 * contract has no user endpoints; these are Atlassian's documented ones (README,
 * "Mentions"):
 *   Cloud: GET {R}/wiki/rest/api/user/bulk?accountId=…&accountId=… (up to 200 ids a
 *          call; the app needs the `read:confluence-user` scope, granular
 *          `read:user:confluence`)
 *   DC:    GET {baseUrl}/rest/api/user?key={userKey} or ?username={name} (one user a call)
 * Only GET requests, like every other Confluence call.
 */
import { isConnectorError } from '../errors.js';
import type { UserReference } from '../convert/references.js';
import type { ConfluenceApi } from './api.js';

/** Cloud ids per bulk call: well under the documented 200, so the URL stays short. */
export const USERS_PER_BULK_CALL = 50;
/** DC lookups in flight at once (one request per user there). */
export const DC_USER_CONCURRENCY = 4;

export type UserApi = Pick<ConfluenceApi, 'flavour' | 'request' | 'urls'>;

/** True when Confluence refused the lookup itself (the credentials lack the user permission or scope). */
export function isPermissionDenied(error: unknown): boolean {
  const status = isConnectorError(error) ? (error.details as { status?: unknown }).status : undefined;
  return status === 401 || status === 403;
}

/**
 * Display names by user id (account id, user key or username as written in the
 * storage body). Users Confluence does not know are absent. Throws on an HTTP failure;
 * the caller decides what a failure means.
 */
export async function lookUpUsers(api: UserApi, users: readonly UserReference[]): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (users.length === 0) return names;
  if (api.flavour === 'cloud') {
    const ids = [...new Set(users.filter((user) => user.kind === 'account-id').map((user) => user.id))];
    for (let start = 0; start < ids.length; start += USERS_PER_BULK_CALL) {
      const batch = ids.slice(start, start + USERS_PER_BULK_CALL);
      const query = batch.map((id) => `accountId=${encodeURIComponent(id)}`).join('&');
      const body = await getJson(api, `${api.urls.v1}/user/bulk?${query}&limit=${batch.length}`, 'user/bulk');
      const results = body && typeof body === 'object' && Array.isArray((body as { results?: unknown }).results) ? (body as { results: unknown[] }).results : [];
      for (const user of results) {
        const { accountId, name } = userName(user, 'accountId');
        if (accountId && name) names.set(accountId, name);
      }
    }
    return names;
  }
  const pending = users.filter((user) => user.kind !== 'account-id');
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < pending.length) {
      const user = pending[next++]!;
      const parameter = user.kind === 'userkey' ? 'key' : 'username';
      const body = await getJson(api, `${api.urls.v1}/user?${parameter}=${encodeURIComponent(user.id)}`, 'user', true);
      const { name } = userName(body, 'userKey');
      if (name) names.set(user.id, name);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DC_USER_CONCURRENCY, pending.length) }, worker));
  return names;
}

function userName(user: unknown, idField: string): { accountId?: string; name?: string } {
  if (!user || typeof user !== 'object') return {};
  const record = user as Record<string, unknown>;
  const name = [record.displayName, record.publicName].find((value): value is string => typeof value === 'string' && value.trim() !== '');
  const id = record[idField];
  return { accountId: typeof id === 'string' ? id : undefined, name: name?.trim() };
}

/** A JSON GET; with `allowNotFound` a 404 (unknown user) is undefined. */
async function getJson(api: UserApi, url: string, endpoint: string, allowNotFound = false): Promise<unknown> {
  const response = await api.request(url, { endpoint, allowStatus: allowNotFound ? [404] : undefined, buffer: true });
  if (response.status === 404) {
    await response.text();
    return undefined;
  }
  try {
    return await response.json();
  } catch {
    return undefined;
  }
}
