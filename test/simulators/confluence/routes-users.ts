/**
 * User lookups for mention names (outside the content contract, which has no user
 * endpoints; shapes as Atlassian documents them):
 *   Cloud `GET …/wiki/rest/api/user/bulk?accountId=a&accountId=b` → `{ results: [user…], start, limit, size, _links }`,
 *         unknown ids simply absent; more than 200 ids → 400.
 *   DC    `GET /rest/api/user?key=…` or `?username=…` → one user, unknown → 404.
 * A missing permission or scope is simulated with a fault rule (401/403) on these paths.
 */
import type { SimContext } from './context.js';
import { json, v1Error, type SimRequest, type SimResponse } from './http-io.js';
import type { ScenarioUser } from './types.js';

const MAX_BULK_IDS = 200;

function userObject(ctx: SimContext, user: ScenarioUser): Record<string, unknown> {
  return ctx.flavour === 'cloud'
    ? { type: 'known', accountId: user.accountId, accountType: 'atlassian', publicName: user.displayName, displayName: user.displayName }
    : { type: 'known', username: user.username, userKey: user.userKey, displayName: user.displayName };
}

export function bulkUsers(ctx: SimContext, req: SimRequest): SimResponse {
  const ids = req.query.getAll('accountId');
  if (ids.length === 0) return v1Error(400, 'accountId is required');
  if (ids.length > MAX_BULK_IDS) return v1Error(400, `At most ${MAX_BULK_IDS} accountIds are allowed`);
  const results = ids.flatMap((id) => ctx.users.filter((user) => user.accountId === id)).map((user) => userObject(ctx, user));
  return json(200, { results, start: 0, limit: MAX_BULK_IDS, size: results.length, _links: { base: ctx.linksBase, context: ctx.linksContext } });
}

export function singleUser(ctx: SimContext, req: SimRequest): SimResponse {
  const key = req.query.get('key');
  const username = req.query.get('username');
  if (key === null && username === null) return v1Error(400, 'key or username is required');
  const user = ctx.users.find((candidate) => (key !== null ? candidate.userKey === key : candidate.username === username));
  return user ? json(200, userObject(ctx, user)) : v1Error(404, 'No user found');
}
