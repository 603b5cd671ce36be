import type { InstanceType } from '../config/types.js';

/**
 * Content keys and scope external ids, exactly as Unique contract §8 spells them.
 * They are the connector's only memory: every stored item is found again through
 * these strings, so changing one of them re-ingests or strands content.
 */

export type SourceKind = 'ATLASSIAN_CONFLUENCE_CLOUD' | 'ATLASSIAN_CONFLUENCE_ONPREM';

export interface SpaceIdentity {
  /** Confluence v1 numeric space id, stringified. */
  id: string;
  key: string;
}

export interface ParsedSpaceExternalId {
  tenant: string;
  spaceId: string;
  /** The Confluence space key (decoded). */
  spaceKey: string;
  /**
   * False for a mark this version would not write: an older version put an odd key
   * (a space, `%`, a control character…) into the mark and its keys verbatim. Its
   * contents live under `legacyPartialKey`, stale copies of what is now stored under
   * the encoded key.
   */
  canonical: boolean;
  /** The key segment as the mark spells it. */
  keySegment: string;
}

const EXTERNAL_ID_PREFIX = 'confc:';

/**
 * Characters a key segment keeps as they are: letters and digits of any script and
 * `~ . _ @ + -`. Everything else (`/`, `:`, `%`, white space, control and bidi
 * characters…) is percent-encoded as UTF-8, and a segment of dots only is encoded
 * whole, so a space key can neither nest a scope path (`A/B`, `..`) nor add a segment
 * to a `:`-separated external id (`K:X`). Ordinary space keys (`ENG`, `~jdoe`) and
 * Confluence ids are unchanged byte for byte, so nothing stored today moves.
 */
const KEEP = /^[\p{L}\p{M}\p{N}~._@+-]$/u;

/** The common case, checked first: ASCII letters, digits and `~ . _ @ + -` only (all of them kept), not dots only. */
const PLAIN = /^(?!\.*$)[A-Za-z0-9~._@+-]+$/;

export function keySegment(value: string): string {
  // Called for every record several times a cycle; most space keys and every id are plain.
  if (PLAIN.test(value)) return value;
  if (/^\.*$/.test(value)) return value.replace(/\./g, '%2E');
  let out = '';
  for (const char of value) {
    out += KEEP.test(char) ? char : [...Buffer.from(char, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** The value of a segment `keySegment` wrote, or undefined when it is not one. */
function decodeSegment(segment: string): string | undefined {
  try {
    const value = decodeURIComponent(segment);
    return keySegment(value) === segment ? value : undefined;
  } catch {
    return undefined;
  }
}

/** `{tenant}/{spaceId}_{spaceKey}`, or `{spaceId}_{spaceKey}` in the v1 format (no tenant prefix). */
export function partialKey(tenant: string, space: SpaceIdentity, useV1KeyFormat: boolean): string {
  return joinPartial(tenant, space.id, keySegment(space.key), useV1KeyFormat);
}

/** The partial key an older version built for a non-canonical mark: the key as it came, unencoded. */
export function legacyPartialKey(parsed: ParsedSpaceExternalId, useV1KeyFormat: boolean): string {
  return joinPartial(parsed.tenant, parsed.spaceId, parsed.keySegment, useV1KeyFormat);
}

function joinPartial(tenant: string, spaceId: string, keyPart: string, useV1KeyFormat: boolean): string {
  const spacePart = `${spaceId}_${keyPart}`;
  return useV1KeyFormat ? spacePart : `${tenant}/${spacePart}`;
}

/** The name of a space's scope under the root: the space key, encoded like in keys. */
export function spaceScopeName(spaceKey: string): string {
  return keySegment(spaceKey);
}

/** The prefix every stored key of a space starts with; the trailing `/` keeps `_ENG` from matching `_ENGX`. */
export function contentKeyPrefix(partial: string): string {
  return `${partial}/`;
}

/** The file-diff item key of a page: its id (digits; encoded like a key segment should it be anything else). */
export function pageItemKey(pageId: string): string {
  return keySegment(pageId);
}

/** The file-diff item key of an attachment: `{pageId}::{attachmentId}` (attachment id with its `att` prefix). */
export function attachmentItemKey(pageId: string, attachmentId: string): string {
  return `${keySegment(pageId)}::${keySegment(attachmentId)}`;
}

/** A stored content key: `{partialKey}/{itemKey}`. */
export function contentKey(partial: string, itemKey: string): string {
  return `${contentKeyPrefix(partial)}${itemKey}`;
}

export function pageKey(partial: string, pageId: string): string {
  return contentKey(partial, pageItemKey(pageId));
}

export function attachmentKey(partial: string, pageId: string, attachmentId: string): string {
  return contentKey(partial, attachmentItemKey(pageId, attachmentId));
}

/** The external id of a space scope: `confc:{tenant}:{spaceId}:{spaceKey}` (the key encoded like in keys). */
export function spaceExternalId(tenant: string, space: SpaceIdentity): string {
  return `${EXTERNAL_ID_PREFIX}${tenant}:${space.id}:${keySegment(space.key)}`;
}

/**
 * Reads a space scope external id back. Anything but the prefix followed by exactly
 * three non-empty segments is "not ours" (undefined), and is never cleaned up.
 */
export function parseSpaceExternalId(externalId: string | null | undefined): ParsedSpaceExternalId | undefined {
  if (typeof externalId !== 'string' || !externalId.startsWith(EXTERNAL_ID_PREFIX)) return undefined;
  const segments = externalId.slice(EXTERNAL_ID_PREFIX.length).split(':');
  if (segments.length !== 3 || segments.some((segment) => segment === '')) return undefined;
  const [tenant, spaceId, segment] = segments as [string, string, string];
  const decoded = decodeSegment(segment);
  return { tenant, spaceId, spaceKey: decoded ?? segment, canonical: decoded !== undefined, keySegment: segment };
}

/** The root scope's ownership mark: `confc:cloud:{cloudId}` or `confc:data-center:{manifestId}`. */
export function rootOwnershipMark(instanceType: InstanceType, instanceId: string): string {
  return `${EXTERNAL_ID_PREFIX}${instanceType}:${instanceId}`;
}

export function sourceKind(instanceType: InstanceType): SourceKind {
  return instanceType === 'cloud' ? 'ATLASSIAN_CONFLUENCE_CLOUD' : 'ATLASSIAN_CONFLUENCE_ONPREM';
}
