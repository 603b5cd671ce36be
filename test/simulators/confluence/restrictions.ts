/**
 * Read restrictions (contract §17): the `restrictions.read` object of a content item,
 * in each flavour's user shape (Cloud `accountId`, DC `username` and `userKey`), for
 * the search expansion and for the per-content endpoint
 * `GET …/rest/api/content/{id}/restriction/byOperation/read`.
 */
import { createHash } from 'node:crypto';
import type { Expansions, SimContext } from './context.js';
import { json, v1Error, type SimResponse } from './http-io.js';
import type { ContentRecord } from './store.js';

/** Confluence pages restriction lists at 200 entries. */
const RESTRICTION_PAGE_LIMIT = 200;

function digest(kind: string, name: string, length: number): string {
  return createHash('sha256').update(`${kind}\u0000${name}`).digest('hex').slice(0, length);
}

function userObject(ctx: SimContext, name: string): Record<string, unknown> {
  if (ctx.flavour === 'cloud') {
    return { type: 'known', accountId: digest('account', name, 24), accountType: 'atlassian', displayName: name, publicName: name };
  }
  return { type: 'known', username: name, userKey: digest('userkey', name, 32), displayName: name };
}

function groupObject(ctx: SimContext, name: string): Record<string, unknown> {
  // DC group entries carry only the name; Cloud adds an id.
  return ctx.flavour === 'cloud' ? { type: 'group', name, id: digest('group', name, 36) } : { type: 'group', name };
}

function list(entries: Record<string, unknown>[]): Record<string, unknown> {
  return { results: entries, start: 0, limit: RESTRICTION_PAGE_LIMIT, size: entries.length };
}

/** The `restrictions.read` object; `parts` says which of user and group are expanded. */
export function readRestrictionObject(ctx: SimContext, record: ContentRecord, parts: { user: boolean; group: boolean }): Record<string, unknown> {
  const { users, groups } = record.readRestrictions;
  const restrictions: Record<string, unknown> = {};
  const expandable: Record<string, string> = {};
  const base = `/rest/api/content/${record.id}/restriction/byOperation/read`;
  if (parts.user) restrictions.user = list(users.map((name) => userObject(ctx, name)));
  else expandable.user = `${base}/user`;
  if (parts.group) restrictions.group = list(groups.map((name) => groupObject(ctx, name)));
  else expandable.group = `${base}/group`;
  if (Object.keys(expandable).length > 0) restrictions._expandable = expandable;
  return {
    operation: 'read',
    restrictions,
    _expandable: { content: `/rest/api/content/${record.id}` },
    _links: { self: `${ctx.linksBase}${base}` },
  };
}

/** The `restrictions` member of a content object, or undefined when not expanded (or the server ignores it). */
export function restrictionsMember(ctx: SimContext, record: ContentRecord, expand: Expansions): Record<string, unknown> | undefined {
  if (!expand.has('restrictions') || ctx.restrictions.ignoreExpansion === true) return undefined;
  const member: Record<string, unknown> = {};
  if (expand.has('restrictions.read')) {
    member.read = readRestrictionObject(ctx, record, {
      user: expand.has('restrictions.read.restrictions.user'),
      group: expand.has('restrictions.read.restrictions.group'),
    });
  } else {
    member._expandable = { read: `/rest/api/content/${record.id}/restriction/byOperation/read` };
  }
  member._links = { self: `${ctx.linksBase}/rest/api/content/${record.id}/restriction/byOperation` };
  return member;
}

/** `GET …/rest/api/content/{id}/restriction/byOperation/read`: users and groups expanded by default. */
export function getReadRestriction(ctx: SimContext, id: string): SimResponse {
  const failure = ctx.restrictions.endpointFailureStatus;
  if (failure !== undefined) return v1Error(failure, 'Injected restriction endpoint failure');
  const record = ctx.store.get(id);
  if (!record || record.status !== 'current') return v1Error(404, `No content found with id: ContentId{id=${id}}`);
  if (ctx.store.spaceById(record.spaceId).denied) return v1Error(403, 'You do not have permission to view this content');
  return json(200, readRestrictionObject(ctx, record, { user: true, group: true }));
}
