/**
 * Raw v1 content -> PageRecord. Pure: no I/O, no clock, so every rule the Unique side
 * depends on (stringified space ids, UTC instants, label clean-up) is unit-tested here.
 */
import type { AncestorRef, AttachmentMeta, PageRecord, RestrictionSubject, Selection, SyncLabels } from '../records.js';
import type { RawAttachment, RawContent, ValidContent } from './raw.js';
import { readRestrictionOf } from './restrictions.js';
import type { ConfluenceUrls } from './urls.js';

export interface MapContext {
  urls: Pick<ConfluenceUrls, 'pageWebUrl'>;
  labels: SyncLabels;
  /** Ids of the "all"-labelled roots known so far (for `selection.viaAncestors`). */
  allRoots?: ReadonlySet<string>;
  /** The complete attachment list when the inline one was cut at 25 (§6.2); default: the inline list. */
  attachments?: RawAttachment[];
}

/** Media type used when Confluence reports none; no allow-list accepts it. */
const UNKNOWN_MEDIA_TYPE = 'application/octet-stream';

export function mapContent(item: ValidContent, context: MapContext): PageRecord {
  const updatedAt = toUtcIso(item.version.when);
  const rawLabels = labelNames(item);
  const ancestors = ancestorRefs(item);
  const readRestriction = readRestrictionOf(item);
  return {
    kind: 'page',
    id: item.id,
    type: item.type,
    title: item.title,
    space: { id: String(item.space.id), key: item.space.key, name: item.space.name ?? item.space.key },
    version: { number: typeof item.version.number === 'number' ? item.version.number : 0, when: updatedAt },
    updatedAt,
    labels: cleanLabels(rawLabels, context.labels),
    rawLabels,
    selection: selectionOf(rawLabels, ancestors, context.labels, context.allRoots),
    ancestors,
    webUrl: context.urls.pageWebUrl(item.id, item._links?.webui),
    attachments: mapAttachments(context.attachments ?? inlineAttachments(item), updatedAt),
    ...(readRestriction === undefined ? {} : { readRestriction }),
  };
}

/**
 * What a read-restriction verdict needs from content found for another purpose (a
 * title search for an include, E8 for an image, a version search): the item, its
 * `ancestors` expansion and, when the answer carried it, its own read restriction.
 */
export function restrictionSubjectOf(item: ValidContent): RestrictionSubject {
  const readRestriction = readRestrictionOf(item);
  return { id: item.id, title: item.title, type: item.type, ancestors: ancestorRefs(item), ...(readRestriction === undefined ? {} : { readRestriction }) };
}

/** `new Date(x).toISOString()`: `2025-03-04T11:12:44+02:00` -> `2025-03-04T09:12:44.000Z`. */
export function toUtcIso(when: string): string {
  return new Date(when).toISOString();
}

/** Label names as Confluence reports them (`metadata.labels.results[].name`). */
export function labelNames(item: RawContent): string[] {
  const results = item.metadata?.labels?.results;
  if (!Array.isArray(results)) return [];
  return results.map((label) => label?.name).filter((name): name is string => typeof name === 'string' && name !== '');
}

/** Labels sent to Unique: both sync labels removed, the rest sorted (§16.17). */
export function cleanLabels(rawLabels: readonly string[], sync: SyncLabels): string[] {
  const single = sync.single.toLowerCase();
  const all = sync.all.toLowerCase();
  const kept = rawLabels.filter((label) => {
    const lower = label.toLowerCase();
    return lower !== single && lower !== all;
  });
  return [...new Set(kept)].sort();
}

/** Whether a label list carries a sync label (labels are lower-case in Confluence; compare so anyway). */
export function hasLabel(rawLabels: readonly string[], label: string): boolean {
  const wanted = label.toLowerCase();
  return rawLabels.some((name) => name.toLowerCase() === wanted);
}

/**
 * Why a page is in the set. `viaAncestors` keeps the breadcrumb order (root first).
 * Roots found later in the listing are missing here; the same page then also comes
 * from the descendant query with the full root set, and the dedupe stage merges both.
 */
export function selectionOf(rawLabels: readonly string[], ancestors: readonly AncestorRef[], sync: SyncLabels, allRoots?: ReadonlySet<string>): Selection {
  return {
    singleLabel: hasLabel(rawLabels, sync.single),
    allLabel: hasLabel(rawLabels, sync.all),
    viaAncestors: allRoots ? ancestors.filter((a) => allRoots.has(a.id)).map((a) => a.id) : [],
  };
}

function ancestorRefs(item: RawContent): AncestorRef[] {
  if (!Array.isArray(item.ancestors)) return [];
  const refs: AncestorRef[] = [];
  for (const ancestor of item.ancestors) {
    if (ancestor === null || typeof ancestor !== 'object') continue;
    if (typeof ancestor.id !== 'string' && typeof ancestor.id !== 'number') continue;
    refs.push({ id: String(ancestor.id), title: typeof ancestor.title === 'string' ? ancestor.title : '', type: typeof ancestor.type === 'string' ? ancestor.type : 'page' });
  }
  return refs;
}

export function inlineAttachments(item: RawContent): RawAttachment[] {
  const results = item.children?.attachment?.results;
  return Array.isArray(results) ? results : [];
}

/**
 * Attachments without an id or a file name cannot be downloaded or named, so they are
 * left out; a missing size counts as zero bytes, which the attachment stage never uploads.
 */
export function mapAttachments(raw: readonly RawAttachment[], pageUpdatedAt: string): AttachmentMeta[] {
  const out: AttachmentMeta[] = [];
  for (const att of raw) {
    if (att === null || typeof att !== 'object' || typeof att.id !== 'string' || typeof att.title !== 'string') continue;
    if (att.status !== undefined && att.status !== 'current') continue;
    const when = att.version?.when;
    const size = Number(att.extensions?.fileSize);
    const meta: AttachmentMeta = {
      id: att.id,
      title: att.title,
      mediaType: typeof att.extensions?.mediaType === 'string' && att.extensions.mediaType !== '' ? att.extensions.mediaType : UNKNOWN_MEDIA_TYPE,
      fileSize: Number.isFinite(size) && size >= 0 ? size : 0,
      updatedAt: typeof when === 'string' && !Number.isNaN(Date.parse(when)) ? toUtcIso(when) : pageUpdatedAt,
    };
    if (typeof att._links?.download === 'string') meta.downloadPath = att._links.download;
    out.push(meta);
  }
  return out;
}

/** §6.2: the inline expansion holds at most `limit` (25) items; `size >= limit` means "maybe more". */
export function attachmentsMayBeIncomplete(item: RawContent): boolean {
  const list = item.children?.attachment;
  if (!list || typeof list.size !== 'number' || typeof list.limit !== 'number') return false;
  return list.limit > 0 && list.size >= list.limit;
}
