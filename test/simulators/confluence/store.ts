/**
 * The simulator's content state with the indexes every request path needs (by id,
 * label, space, title, parent), so no request scans all content. Every mutation
 * bumps `revision`, which keys the search cache.
 */
import type { ContentStatus, Flavour, ScenarioAttachment, ScenarioContent, ScenarioReadRestrictions, ScenarioSpace, SpaceType } from './types.js';
import { derivedFileId } from './bytes.js';

export interface SpaceRecord { id: number; key: string; name: string; type: SpaceType; denied: boolean }
export interface AttachmentRecord {
  id: string; pageId: string; title: string; mediaType: string; size: number;
  bytes?: Buffer; versionNumber: number; versionWhen: string; fileId: string;
  downloadLink?: string; servedSize?: number;
}
export interface ContentRecord {
  id: string; type: string; status: ContentStatus; title: string; spaceId: number; parentId?: string;
  versionNumber: number; versionWhen: string; labels: string[]; body: string; attachments: AttachmentRecord[];
  /** Names of the users and groups that may view it; both empty: not read-restricted. */
  readRestrictions: { users: string[]; groups: string[] };
}
export type ContentPatch = Partial<Pick<ScenarioContent, 'type' | 'status' | 'title' | 'body' | 'labels' | 'version'>>;
export type AttachmentPatch = Partial<Omit<ScenarioAttachment, 'id'>>;

const DEFAULT_WHEN_MS = Date.UTC(2025, 0, 1, 0, 0, 0);

/** Cloud answers `…Z`, DC usually an offset (contract §5.3); both name the same instant. */
export function formatWhen(ms: number, flavour: Flavour): string {
  if (flavour === 'cloud') return new Date(ms).toISOString();
  return new Date(ms + 3_600_000).toISOString().replace('Z', '+01:00');
}

function addTo<K>(index: Map<K, Set<string>>, key: K, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}
function removeFrom<K>(index: Map<K, Set<string>>, key: K, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
function restrictionsOf(given: ScenarioReadRestrictions | undefined): ContentRecord['readRestrictions'] {
  return { users: [...(given?.users ?? [])], groups: [...(given?.groups ?? [])] };
}

const titleKey = (spaceId: number, title: string): string => `${spaceId}\u0000${title}`;

export class ConfluenceStore {
  revision = 0;
  readonly content = new Map<string, ContentRecord>();
  readonly attachments = new Map<string, AttachmentRecord>();
  readonly byLabel = new Map<string, Set<string>>();
  readonly bySpace = new Map<number, Set<string>>();
  readonly byTitle = new Map<string, Set<string>>();
  readonly children = new Map<string, Set<string>>();
  private readonly spacesByKey = new Map<string, SpaceRecord>();
  private readonly spacesById = new Map<number, SpaceRecord>();

  constructor(readonly flavour: Flavour, spaces: ScenarioSpace[], content: ScenarioContent[]) {
    for (const space of spaces) this.addSpace(space);
    for (const item of content) this.addContent(item);
  }

  spaceByKey(key: string): SpaceRecord | undefined { return this.spacesByKey.get(key); }
  spaceById(id: number): SpaceRecord {
    const space = this.spacesById.get(id);
    if (!space) throw new Error(`simulator state: unknown space id ${id}`);
    return space;
  }
  get(id: string): ContentRecord | undefined { return this.content.get(id); }
  /** Content a search or get may show: current and in a space the principal sees. */
  isVisible(record: ContentRecord): boolean {
    return record.status === 'current' && !this.spaceById(record.spaceId).denied;
  }
  /** Parent chain, root first; stops at a missing parent (and at cycles). */
  ancestorsOf(record: ContentRecord): ContentRecord[] {
    const chain: ContentRecord[] = [];
    const seen = new Set([record.id]);
    let parent = record.parentId === undefined ? undefined : this.content.get(record.parentId);
    while (parent && !seen.has(parent.id)) {
      chain.push(parent);
      seen.add(parent.id);
      parent = parent.parentId === undefined ? undefined : this.content.get(parent.parentId);
    }
    return chain.reverse();
  }
  isDescendantOf(record: ContentRecord, ancestorIds: ReadonlySet<string>): boolean {
    return this.ancestorsOf(record).some((a) => ancestorIds.has(a.id));
  }
  descendantIds(rootId: string, into: Set<string>): void {
    const stack = [rootId];
    while (stack.length > 0) {
      for (const child of this.children.get(stack.pop() as string) ?? []) {
        if (into.has(child)) continue;
        into.add(child);
        stack.push(child);
      }
    }
  }

  addSpace(space: ScenarioSpace): void {
    if (this.spacesByKey.has(space.key) || this.spacesById.has(space.id)) {
      throw new Error(`simulator state: duplicate space ${space.key}/${space.id}`);
    }
    const record: SpaceRecord = { id: space.id, key: space.key, name: space.name, type: space.type ?? 'global', denied: space.denied ?? false };
    this.spacesByKey.set(record.key, record);
    this.spacesById.set(record.id, record);
    this.revision++;
  }

  addContent(item: ScenarioContent): void {
    if (this.content.has(item.id)) throw new Error(`simulator state: duplicate content id ${item.id}`);
    const space = this.requireSpace(item.spaceKey);
    const versionWhen = item.version?.when ?? formatWhen(DEFAULT_WHEN_MS, this.flavour);
    const record: ContentRecord = {
      id: item.id, type: item.type, status: item.status ?? 'current', title: item.title, spaceId: space.id,
      parentId: item.parentId, versionNumber: item.version?.number ?? 1, versionWhen,
      labels: [], body: item.body ?? '', attachments: [], readRestrictions: restrictionsOf(item.readRestrictions),
    };
    this.content.set(record.id, record);
    this.indexContent(record);
    this.setLabels(record.id, item.labels ?? []);
    for (const att of item.attachments ?? []) this.addAttachment(record.id, att);
    this.revision++;
  }

  /** Bumps the version number and `when` unless the patch gives a version. */
  updateContent(id: string, patch: ContentPatch): void {
    const record = this.require(id);
    this.unindexContent(record);
    if (patch.type !== undefined) record.type = patch.type;
    if (patch.status !== undefined) record.status = patch.status;
    if (patch.title !== undefined) record.title = patch.title;
    if (patch.body !== undefined) record.body = patch.body;
    this.indexContent(record);
    if (patch.labels !== undefined) this.setLabels(id, patch.labels);
    record.versionNumber = patch.version?.number ?? record.versionNumber + 1;
    record.versionWhen = patch.version?.when ?? this.laterWhen(record.versionWhen);
    this.revision++;
  }

  /** Deletes one item; its children move up to its parent, as Confluence does. */
  removeContent(id: string): void {
    const record = this.require(id);
    for (const childId of [...(this.children.get(id) ?? [])]) this.moveContent(childId, { parentId: record.parentId ?? null });
    this.setLabels(id, []);
    for (const att of [...record.attachments]) this.removeAttachment(id, att.id);
    this.unindexContent(record);
    this.content.delete(id);
    this.revision++;
  }

  /** A space change moves the whole subtree; `parentId: null` makes it a space root. */
  moveContent(id: string, to: { spaceKey?: string; parentId?: string | null }): void {
    const record = this.require(id);
    this.unindexContent(record);
    if (to.parentId !== undefined) record.parentId = to.parentId ?? undefined;
    this.indexContent(record);
    if (to.spaceKey !== undefined) {
      const spaceId = this.requireSpace(to.spaceKey).id;
      const subtree = new Set([id]);
      this.descendantIds(id, subtree);
      for (const memberId of subtree) {
        const member = this.require(memberId);
        this.unindexContent(member);
        member.spaceId = spaceId;
        this.indexContent(member);
      }
    }
    this.revision++;
  }

  /** Labels are lower-case in Confluence; changing them does not bump the version. */
  setLabels(id: string, labels: string[]): void {
    const record = this.require(id);
    for (const label of record.labels) removeFrom(this.byLabel, label, id);
    record.labels = [...new Set(labels.map((l) => l.toLowerCase()))];
    for (const label of record.labels) addTo(this.byLabel, label, id);
    this.revision++;
  }

  /**
   * Sets or lifts (undefined) a read restriction. Like Confluence, this does not bump
   * the version: a page's restriction changes while its version and date stay put.
   */
  setReadRestrictions(id: string, restrictions: ScenarioReadRestrictions | undefined): void {
    this.require(id).readRestrictions = restrictionsOf(restrictions);
    this.revision++;
  }

  addAttachment(pageId: string, att: ScenarioAttachment): void {
    const page = this.require(pageId);
    if (this.attachments.has(att.id)) throw new Error(`simulator state: duplicate attachment id ${att.id}`);
    const record: AttachmentRecord = {
      id: att.id, pageId, title: att.title, mediaType: att.mediaType, size: att.size,
      bytes: att.bytes === undefined ? undefined : Buffer.from(att.bytes),
      versionNumber: att.versionNumber ?? 1, versionWhen: att.versionWhen ?? page.versionWhen,
      fileId: att.fileId ?? derivedFileId(att.id),
      ...(att.downloadLink === undefined ? {} : { downloadLink: att.downloadLink }),
      ...(att.servedSize === undefined ? {} : { servedSize: att.servedSize }),
    };
    if (record.bytes && record.bytes.length !== record.size) record.size = record.bytes.length;
    page.attachments.push(record);
    this.attachments.set(record.id, record);
    this.revision++;
  }

  /** Bumps the attachment version and `when` unless given. */
  updateAttachment(pageId: string, attId: string, patch: AttachmentPatch): void {
    const record = this.requireAttachment(pageId, attId);
    if (patch.title !== undefined) record.title = patch.title;
    if (patch.mediaType !== undefined) record.mediaType = patch.mediaType;
    if (patch.size !== undefined) record.size = patch.size;
    if (patch.fileId !== undefined) record.fileId = patch.fileId;
    if (patch.bytes !== undefined) {
      record.bytes = Buffer.from(patch.bytes);
      record.size = record.bytes.length;
    }
    record.versionNumber = patch.versionNumber ?? record.versionNumber + 1;
    record.versionWhen = patch.versionWhen ?? this.laterWhen(record.versionWhen);
    this.revision++;
  }

  removeAttachment(pageId: string, attId: string): void {
    const record = this.requireAttachment(pageId, attId);
    const page = this.require(pageId);
    page.attachments = page.attachments.filter((a) => a !== record);
    this.attachments.delete(attId);
    this.revision++;
  }

  renameSpaceKey(oldKey: string, newKey: string): void {
    const space = this.requireSpace(oldKey);
    if (this.spacesByKey.has(newKey)) throw new Error(`simulator state: space key ${newKey} already exists`);
    this.spacesByKey.delete(oldKey);
    space.key = newKey;
    this.spacesByKey.set(newKey, space);
    this.revision++;
  }

  setSpaceDenied(key: string, denied: boolean): void {
    this.requireSpace(key).denied = denied;
    this.revision++;
  }

  private laterWhen(previous: string): string {
    const previousMs = Date.parse(previous);
    return formatWhen(Math.max(Date.now(), Number.isNaN(previousMs) ? 0 : previousMs + 1000), this.flavour);
  }
  private indexContent(record: ContentRecord): void {
    addTo(this.bySpace, record.spaceId, record.id);
    addTo(this.byTitle, titleKey(record.spaceId, record.title), record.id);
    if (record.parentId !== undefined) addTo(this.children, record.parentId, record.id);
  }
  private unindexContent(record: ContentRecord): void {
    removeFrom(this.bySpace, record.spaceId, record.id);
    removeFrom(this.byTitle, titleKey(record.spaceId, record.title), record.id);
    if (record.parentId !== undefined) removeFrom(this.children, record.parentId, record.id);
  }
  idsWithTitle(spaceId: number, title: string): ReadonlySet<string> {
    return this.byTitle.get(titleKey(spaceId, title)) ?? new Set();
  }
  private require(id: string): ContentRecord {
    const record = this.content.get(id);
    if (!record) throw new Error(`simulator state: unknown content id ${id}`);
    return record;
  }
  private requireSpace(key: string): SpaceRecord {
    const space = this.spacesByKey.get(key);
    if (!space) throw new Error(`simulator state: unknown space key ${key}`);
    return space;
  }
  private requireAttachment(pageId: string, attId: string): AttachmentRecord {
    const record = this.attachments.get(attId);
    if (!record || record.pageId !== pageId) throw new Error(`simulator state: no attachment ${attId} on ${pageId}`);
    return record;
  }
}
