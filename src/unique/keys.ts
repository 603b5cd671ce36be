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
  spaceKey: string;
}

const EXTERNAL_ID_PREFIX = 'confc:';

/** `{tenant}/{spaceId}_{spaceKey}`, or `{spaceId}_{spaceKey}` in the v1 format (no tenant prefix). */
export function partialKey(tenant: string, space: SpaceIdentity, useV1KeyFormat: boolean): string {
  const spacePart = `${space.id}_${space.key}`;
  return useV1KeyFormat ? spacePart : `${tenant}/${spacePart}`;
}

/** The prefix every stored key of a space starts with; the trailing `/` keeps `_ENG` from matching `_ENGX`. */
export function contentKeyPrefix(partial: string): string {
  return `${partial}/`;
}

/** The file-diff item key of a page: its id. */
export function pageItemKey(pageId: string): string {
  return pageId;
}

/** The file-diff item key of an attachment: `{pageId}::{attachmentId}` (attachment id with its `att` prefix). */
export function attachmentItemKey(pageId: string, attachmentId: string): string {
  return `${pageId}::${attachmentId}`;
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

/** The external id of a space scope: `confc:{tenant}:{spaceId}:{spaceKey}`. */
export function spaceExternalId(tenant: string, space: SpaceIdentity): string {
  return `${EXTERNAL_ID_PREFIX}${tenant}:${space.id}:${space.key}`;
}

/**
 * Reads a space scope external id back. Anything but the prefix followed by exactly
 * three non-empty segments is "not ours" (undefined), and is never cleaned up.
 */
export function parseSpaceExternalId(externalId: string | null | undefined): ParsedSpaceExternalId | undefined {
  if (typeof externalId !== 'string' || !externalId.startsWith(EXTERNAL_ID_PREFIX)) return undefined;
  const segments = externalId.slice(EXTERNAL_ID_PREFIX.length).split(':');
  if (segments.length !== 3 || segments.some((segment) => segment === '')) return undefined;
  const [tenant, spaceId, spaceKey] = segments as [string, string, string];
  return { tenant, spaceId, spaceKey };
}

/** The root scope's ownership mark: `confc:cloud:{cloudId}` or `confc:data-center:{manifestId}`. */
export function rootOwnershipMark(instanceType: InstanceType, instanceId: string): string {
  return `${EXTERNAL_ID_PREFIX}${instanceType}:${instanceId}`;
}

export function sourceKind(instanceType: InstanceType): SourceKind {
  return instanceType === 'cloud' ? 'ATLASSIAN_CONFLUENCE_CLOUD' : 'ATLASSIAN_CONFLUENCE_ONPREM';
}
