/**
 * Wire shapes of the Confluence v1 and v2 JSON the client reads (contract §5, §6).
 * Every field is optional: the client validates what it needs item by item and
 * skips an item that lacks it, rather than trusting a strict schema that would let
 * one odd item abort a whole discovery.
 */

export interface RawLabel {
  name?: string;
  prefix?: string;
}

export interface RawVersion {
  number?: number;
  when?: string;
}

/** A v1 attachment object (inside `children.attachment.results`, DC next pages). */
export interface RawAttachment {
  id?: string;
  type?: string;
  status?: string;
  title?: string;
  version?: RawVersion;
  extensions?: { mediaType?: string; fileSize?: number | string; comment?: string };
  _links?: { download?: string; webui?: string };
}

export interface RawAttachmentList {
  results?: RawAttachment[];
  start?: number;
  limit?: number;
  size?: number;
  _links?: { next?: string; self?: string };
}

export interface RawAncestor {
  id?: string | number;
  type?: string;
  title?: string;
}

/** A v1 content object (§5.3). */
export interface RawContent {
  id?: string | number;
  type?: string;
  status?: string;
  title?: string;
  space?: { id?: number | string; key?: string; name?: string; type?: string };
  version?: RawVersion;
  metadata?: { labels?: { results?: RawLabel[] } };
  children?: { attachment?: RawAttachmentList };
  ancestors?: RawAncestor[];
  body?: { storage?: { value?: string } };
  /** §17: present when `restrictions.read…` is expanded and the server honours it. */
  restrictions?: { read?: unknown };
  _links?: { webui?: string; tinyui?: string; self?: string };
}

/** A v1 content object after `validContent`: the fields every consumer relies on. */
export interface ValidContent extends RawContent {
  id: string;
  type: string;
  title: string;
  space: { id: number | string; key: string; name?: string; type?: string };
  version: { number?: number; when: string };
}

/** The v1 list envelope (§5.2). */
export interface RawEnvelope<T> {
  results: T[];
  start?: number;
  limit?: number;
  size?: number;
  _links: { next?: string; base?: string; context?: string; self?: string };
}

/** A v2 attachment (§6.3). */
export interface RawV2Attachment {
  id?: string;
  status?: string;
  title?: string;
  pageId?: string;
  blogPostId?: string;
  mediaType?: string;
  fileSize?: number;
  fileId?: string;
  downloadLink?: string;
  webuiLink?: string;
  version?: { number?: number; createdAt?: string };
}

/**
 * Why an item cannot be used, or undefined when it can. `version.when` is checked too:
 * without a parseable time the change detection could not compare the page.
 */
export function invalidContentReason(item: RawContent): string | undefined {
  if (item === null || typeof item !== 'object') return 'not an object';
  if (typeof item.id !== 'string' && typeof item.id !== 'number') return 'missing id';
  if (typeof item.type !== 'string' || item.type === '') return 'missing type';
  if (typeof item.title !== 'string') return 'missing title';
  const space = item.space;
  if (!space || typeof space !== 'object' || typeof space.key !== 'string' || (typeof space.id !== 'number' && typeof space.id !== 'string')) {
    return 'missing space';
  }
  // v1 sends a number (§16.6); it becomes part of every Unique key of the space, so
  // anything but digits would file the page under a space that does not exist.
  if (typeof space.id === 'number' ? !Number.isSafeInteger(space.id) || space.id < 0 : !/^\d+$/.test(space.id)) return 'invalid space id';
  const when = item.version?.when;
  if (typeof when !== 'string' || Number.isNaN(Date.parse(when))) return 'missing or invalid version.when';
  return undefined;
}

/** Normalises a valid item's id to a string (v1 sends strings; tolerate numbers). */
export function asValid(item: RawContent): ValidContent {
  return { ...item, id: String(item.id) } as ValidContent;
}

/** Maps a v2 attachment to the v1 names the rest of the client reads (§6.3). */
export function v2AttachmentToV1(att: RawV2Attachment): RawAttachment {
  return {
    id: att.id,
    type: 'attachment',
    status: att.status,
    title: att.title,
    version: { number: att.version?.number, when: att.version?.createdAt },
    extensions: { mediaType: att.mediaType, fileSize: att.fileSize },
    _links: { download: att.downloadLink, webui: att.webuiLink },
  };
}
