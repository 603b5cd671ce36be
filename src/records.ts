/**
 * The records that flow through a tenant's pipeline. Plain JSON-serialisable objects
 * with a `kind`, so the NDJSON sink can write them as they are. Bytes never travel on
 * the stream: an attachment record carries where to download them.
 */
import type { IncludedPage } from './convert/context.js';

export interface SpaceRef {
  /** Confluence v1 numeric space id, stringified (it is part of Unique keys). */
  id: string;
  key: string;
  name: string;
}

export interface AncestorRef {
  id: string;
  title: string;
  type: string;
}

/** An attachment as listed by Confluence (v1 expansion or v2 listing mapped to v1 names). */
export interface AttachmentMeta {
  /** With its `att` prefix. */
  id: string;
  /** The file name. */
  title: string;
  /** As reported by Confluence (may carry parameters such as `; charset=binary`). */
  mediaType: string;
  fileSize: number;
  /** UTC ISO; the owning page's version time when Confluence gives none. */
  updatedAt: string;
  /** DC: the `_links.download` path relative to the base URL (with its query). Cloud: unused. */
  downloadPath?: string;
}

/**
 * A read restriction as Confluence reports it (contract §17): how many users and
 * groups the item is narrowed to. Both zero: not read-restricted.
 */
export interface ReadRestriction {
  users: number;
  groups: number;
}

/** Why a page was selected: by its own label(s) and/or by labelled ancestors. */
export interface Selection {
  singleLabel: boolean;
  allLabel: boolean;
  /** Ids of ancestors carrying the "all" label that brought this page in. */
  viaAncestors: string[];
}

export interface PageRecord {
  kind: 'page';
  id: string;
  /** page, blogpost, folder, database, whiteboard, embed… */
  type: string;
  title: string;
  space: SpaceRef;
  version: { number: number; when: string };
  /** UTC ISO instant sent to the file-diff as the page's `updatedAt`. */
  updatedAt: string;
  /** Labels without the two sync labels, sorted. */
  labels: string[];
  /** All labels as Confluence reports them (for the "all" label check). */
  rawLabels: string[];
  selection: Selection;
  ancestors: AncestorRef[];
  /** The page's web URL (identity-relevant: sent to Unique as `url`). */
  webUrl: string;
  attachments: AttachmentMeta[];
  /**
   * The page's own read restriction, when discovery asked for it and the server
   * answered (contract §17); only the restrictions stage reads it.
   */
  readRestriction?: ReadRestriction;
}

/**
 * What a read-restriction verdict needs about a content item (contract §17): the item,
 * its ancestors (root first) and, when the answer that brought it carried the
 * expansion, its own read restriction. A discovered page is one; so is a page found by
 * title for an include or a cross-page image.
 */
export type RestrictionSubject = Pick<PageRecord, 'id' | 'title' | 'type' | 'ancestors' | 'readRestriction'>;

/**
 * What resolve-references looked up for a page's body: the included pages and the
 * mentioned users' names for convert-body, and the included page ids for the registration.
 */
export interface ResolvedReferences {
  /** Pages the body includes (by `includeKey`). */
  includes?: Record<string, IncludedPage>;
  /**
   * Ids of the other pages whose content this page shows (included bodies or excerpts,
   * cross-page images), sorted; written to the content's metadata so their changes
   * (edits, read restrictions added) re-ingest this page.
   */
  includedPageIds?: string[];
  /**
   * Ids of other pages whose content was refused (read-restricted, or their state
   * unknown), sorted; written to the metadata too, so lifting the restriction re-ingests this page.
   */
  refusedPageIds?: string[];
  /** Display names of mentioned users by account id, user key or username. */
  users?: Record<string, string>;
}

/** Ids in one sorted list without repeats: shorter first, then lexical (numeric order for Confluence ids). */
export function mergeIds(...lists: readonly (readonly string[] | undefined)[]): string[] {
  const ids = new Set(lists.flatMap((list) => list ?? []));
  return [...ids].sort((a, b) => a.length - b.length || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A page with its storage-format body: what fetch-body emits and what the body stages
 * (image inlining, include resolution…) pass along. A stage that needs the body takes
 * this type, so a pipeline that forgot the fetch does not compile.
 */
export interface PageWithStorage extends PageRecord, ResolvedReferences {
  storage: string;
}

/**
 * A page with its converted HTML and without its storage body (no longer needed): what
 * convert-body emits and what the ingestion sink uploads.
 */
export interface PageWithHtml extends PageRecord, Pick<ResolvedReferences, 'includedPageIds' | 'refusedPageIds'> {
  html: string;
}

export interface AttachmentRecord {
  kind: 'attachment';
  id: string;
  pageId: string;
  space: SpaceRef;
  title: string;
  /** Normalised: cut at `;`, trimmed, lower-case. */
  mediaType: string;
  /** As Confluence reports it (sent to Unique as `mimeType` and upload `Content-Type`). */
  reportedMediaType: string;
  fileSize: number;
  updatedAt: string;
  downloadPath?: string;
  webUrl: string;
  /** Set when the attachment is listed but not ingested, with the reason. */
  rejected?: string;
}

/** Records of the metadata stages, up to the diff: bodies are fetched later, for changed pages only. */
export type PipelineRecord = PageRecord | AttachmentRecord;

/** What the ingestion sink takes: converted pages and attachments, in one stream. */
export type IngestRecord = PageWithHtml | AttachmentRecord;

export function isPage<T extends { kind: string }>(record: T): record is Extract<T, { kind: 'page' }> {
  return record.kind === 'page';
}

export function isAttachment<T extends { kind: string }>(record: T): record is Extract<T, { kind: 'attachment' }> {
  return record.kind === 'attachment';
}

/** The sync labels as a tenant configures them. */
export interface SyncLabels {
  single: string;
  all: string;
}
