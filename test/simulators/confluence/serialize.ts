/**
 * JSON shapes of contract §5.3 (content), §6.1 (v1 attachment) and §6.3 (v2
 * attachment). Only expanded parts are included, as Confluence does.
 */
import { createHash } from 'node:crypto';
import type { Expansions, SimContext } from './context.js';
import { restrictionsMember } from './restrictions.js';
import type { AttachmentRecord, ContentRecord, SpaceRecord } from './store.js';

export const INLINE_ATTACHMENT_LIMIT = 25;
const labelIds = new Map<string, string>();

function labelId(name: string): string {
  let id = labelIds.get(name);
  if (!id) {
    id = String(1_000_000 + (createHash('sha256').update(name).digest().readUInt32BE(0) % 9_000_000));
    labelIds.set(name, id);
  }
  return id;
}

/** `Release plan` → `Release+plan`, as Cloud writes titles into web UI paths. */
function titleSlug(title: string): string {
  return encodeURIComponent(title).replace(/%20/g, '+');
}

export function contentWebui(ctx: SimContext, record: ContentRecord): string {
  if (ctx.flavour === 'data-center') return `/pages/viewpage.action?pageId=${record.id}`;
  const key = ctx.store.spaceById(record.spaceId).key;
  if (record.type === 'blogpost') {
    const day = new Date(Date.parse(record.versionWhen) || 0).toISOString().slice(0, 10).replace(/-/g, '/');
    return `/spaces/${key}/blog/${day}/${record.id}/${titleSlug(record.title)}`;
  }
  return `/spaces/${key}/pages/${record.id}/${titleSlug(record.title)}`;
}

export function downloadPath(att: AttachmentRecord): string {
  if (att.downloadLink !== undefined) return att.downloadLink;
  const modified = Date.parse(att.versionWhen) || 0;
  return `/download/attachments/${att.pageId}/${encodeURIComponent(att.title)}?version=${att.versionNumber}&modificationDate=${modified}&api=v2`;
}

function attachmentWebui(ctx: SimContext, att: AttachmentRecord): string {
  // Cloud's preview path uses the id without its `att` prefix, DC the id as is (contract §1).
  const id = ctx.flavour === 'cloud' ? att.id.replace(/^att/, '') : att.id;
  return `/pages/viewpageattachments.action?pageId=${att.pageId}&preview=${encodeURIComponent(`/${att.pageId}/${id}/${att.title}`)}`;
}

export function v1Attachment(ctx: SimContext, att: AttachmentRecord, parts: { version: boolean; extensions: boolean }): Record<string, unknown> {
  const object: Record<string, unknown> = { id: att.id, type: 'attachment', status: 'current', title: att.title };
  if (parts.version) object.version = { number: att.versionNumber, when: att.versionWhen, minorEdit: false };
  if (parts.extensions) object.extensions = { mediaType: att.mediaType, fileSize: att.size, comment: '' };
  object._links = {
    download: downloadPath(att),
    webui: attachmentWebui(ctx, att),
    self: `${ctx.linksBase}/rest/api/content/${att.id}`,
  };
  const expandable: Record<string, string> = {};
  if (!parts.version) expandable.version = '';
  object._expandable = expandable;
  return object;
}

export function v2Attachment(ctx: SimContext, att: AttachmentRecord, container: ContentRecord): Record<string, unknown> {
  const download = downloadPath(att);
  const webui = attachmentWebui(ctx, att);
  return {
    id: att.id,
    status: 'current',
    title: att.title,
    ...(container.type === 'blogpost' ? { blogPostId: container.id } : { pageId: container.id }),
    mediaType: att.mediaType,
    mediaTypeDescription: att.mediaType,
    comment: '',
    fileSize: att.size,
    fileId: att.fileId,
    downloadLink: download,
    webuiLink: webui,
    version: { number: att.versionNumber, createdAt: att.versionWhen, minorEdit: false, message: '' },
    _links: { download, webui },
  };
}

function spaceObject(ctx: SimContext, space: SpaceRecord): Record<string, unknown> {
  return {
    id: space.id, key: space.key, name: space.name, type: space.type, status: 'current',
    _links: { webui: ctx.flavour === 'cloud' ? `/spaces/${space.key}` : `/display/${space.key}`, self: `${ctx.linksBase}/rest/api/space/${space.key}` },
  };
}

function inlineAttachments(ctx: SimContext, record: ContentRecord, expand: Expansions): Record<string, unknown> {
  const inline = record.attachments.slice(0, INLINE_ATTACHMENT_LIMIT);
  const parts = { version: expand.has('children.attachment.version'), extensions: expand.has('children.attachment.extensions') };
  const links: Record<string, string> = { self: `${ctx.linksBase}/rest/api/content/${record.id}/child/attachment` };
  // Both flavours announce more; Cloud answers this link with 410 (contract §6.2).
  if (record.attachments.length > INLINE_ATTACHMENT_LIMIT) {
    const expandParam = ctx.attachmentNextRepeatsExpand && parts.version ? '&expand=version' : '';
    links.next = `/rest/api/content/${record.id}/child/attachment?limit=${INLINE_ATTACHMENT_LIMIT}&start=${INLINE_ATTACHMENT_LIMIT}${expandParam}`;
  }
  return {
    results: inline.map((att) => v1Attachment(ctx, att, parts)),
    start: 0, limit: INLINE_ATTACHMENT_LIMIT, size: inline.length, _links: links,
  };
}

function reference(ctx: SimContext, record: ContentRecord): Record<string, unknown> {
  return {
    id: record.id, type: record.type, status: record.status, title: record.title,
    _links: { webui: contentWebui(ctx, record), self: `${ctx.linksBase}/rest/api/content/${record.id}` },
  };
}

export function contentObject(ctx: SimContext, record: ContentRecord, expand: Expansions): Record<string, unknown> {
  const object = reference(ctx, record);
  const expandable: Record<string, string> = {};
  if (expand.has('space')) object.space = spaceObject(ctx, ctx.store.spaceById(record.spaceId));
  else expandable.space = `/rest/api/space/${ctx.store.spaceById(record.spaceId).key}`;
  if (expand.has('version')) object.version = { number: record.versionNumber, when: record.versionWhen, minorEdit: false };
  else expandable.version = '';
  if (expand.has('metadata.labels')) {
    const results = [...record.labels].sort().map((name) => ({ prefix: 'global', name, id: labelId(name), label: name }));
    object.metadata = { labels: { results, start: 0, limit: 200, size: results.length } };
  } else expandable.metadata = '';
  if (expand.has('ancestors')) object.ancestors = ctx.store.ancestorsOf(record).map((a) => reference(ctx, a));
  else expandable.ancestors = '';
  if (expand.has('children.attachment')) object.children = { attachment: inlineAttachments(ctx, record, expand) };
  else expandable.children = `/rest/api/content/${record.id}/child`;
  const restrictions = restrictionsMember(ctx, record, expand);
  if (restrictions !== undefined) object.restrictions = restrictions;
  else expandable.restrictions = '';
  if (expand.has('body.storage')) object.body = { storage: { value: record.body, representation: 'storage' } };
  else expandable.body = '';
  object._expandable = expandable;
  return object;
}
