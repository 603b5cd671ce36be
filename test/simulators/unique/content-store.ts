/**
 * Contents indexed by key, id, owner scope, upload key and space segment. Every
 * deletion goes through `remove`, which keeps the indexes in step and appends to the
 * deletion log that tests read.
 */
import { randomBytes } from 'node:crypto';
import { SortedKeys } from './sorted-keys.js';
import type { ContentView, DeletionRecord } from './types.js';

/**
 * The stored form of a content: the public view's fields with times as epoch ms, plus
 * what only the store needs (upload credential, read URL, re-offer bookkeeping).
 */
export interface ContentRecord extends Omit<ContentView, 'ownerType' | 'createdAt' | 'updatedAt'> {
  createdAt: number;
  /** Last successful upsert (finalize); null until the first one. */
  updatedAt: number | null;
  /**
   * Last upsert of either role (§4.9, §5): registration counts too, so a content
   * registered but never finalized is "unchanged" for the file-diff until its source
   * moves. The diff compares against this, not `updatedAt`.
   */
  lastUpsertAt: number;
  internallyStoredAt: number | null;
  /** Credential of the current registration's write URL. */
  uploadKey: string | null;
  readUrl: string | null;
  /** §5 [U]: when a FAILED* content was last re-offered by the diff. */
  reofferedAt: number | null;
}

/** The segment before the last `/`: `98305_ENG` for both `acme/98305_ENG/1` and `98305_ENG/1`. */
export function spaceSegment(key: string): string | null {
  const last = key.lastIndexOf('/');
  if (last <= 0) return null;
  return key.slice(key.lastIndexOf('/', last - 1) + 1, last);
}

export class ContentStore {
  private readonly byKey = new Map<string, ContentRecord>();
  private readonly byId = new Map<string, ContentRecord>();
  private readonly byUpload = new Map<string, ContentRecord>();
  private readonly byOwner = new Map<string, SortedKeys>();
  private readonly bySegment = new Map<string, Set<string>>();
  readonly keys = new SortedKeys();
  readonly deletions: DeletionRecord[] = [];
  private counter = 0;

  get size(): number {
    return this.byKey.size;
  }

  get(key: string): ContentRecord | undefined {
    return this.byKey.get(key);
  }

  getById(id: string): ContentRecord | undefined {
    return this.byId.get(id);
  }

  byUploadKey(uploadKey: string): ContentRecord | undefined {
    return this.byUpload.get(uploadKey);
  }

  ownedBy(ownerId: string): SortedKeys | undefined {
    return this.byOwner.get(ownerId);
  }

  withSegment(segment: string): Iterable<string> {
    return this.bySegment.get(segment) ?? [];
  }

  all(): Iterable<ContentRecord> {
    return this.byKey.values();
  }

  newId(): string {
    let id: string;
    do id = `cont_${(++this.counter).toString(36).padStart(6, '0')}`;
    while (this.byId.has(id));
    return id;
  }

  insert(record: ContentRecord): void {
    if (this.byKey.has(record.key) || this.byId.has(record.id)) throw new Error(`content ${record.key} already exists`);
    this.byKey.set(record.key, record);
    this.byId.set(record.id, record);
    this.keys.insert(record.key);
    this.ownerIndex(record.ownerId).insert(record.key);
    const segment = spaceSegment(record.key);
    if (segment !== null) {
      let set = this.bySegment.get(segment);
      if (!set) this.bySegment.set(segment, (set = new Set()));
      set.add(record.key);
    }
    if (record.uploadKey !== null) this.byUpload.set(record.uploadKey, record);
  }

  setOwner(record: ContentRecord, ownerId: string): void {
    if (record.ownerId === ownerId) return;
    this.dropOwner(record);
    record.ownerId = ownerId;
    this.ownerIndex(ownerId).insert(record.key);
  }

  /**
   * Issues a fresh write URL credential; the previous one stops working. Standard base64
   * (with `+`, `/`, `=`) so a client that forgets to re-encode the key gets a 404.
   */
  issueUpload(record: ContentRecord, ingestionBaseUrl: string): void {
    if (record.uploadKey !== null) this.byUpload.delete(record.uploadKey);
    const uploadKey = randomBytes(32).toString('base64');
    record.uploadKey = uploadKey;
    record.readUrl = `${ingestionBaseUrl}/scoped/blob/${record.id}?rev=${randomBytes(6).toString('hex')}`;
    record.uploaded = null;
    this.byUpload.set(uploadKey, record);
  }

  remove(record: ContentRecord, via: string, at: number): void {
    if (this.byId.get(record.id) !== record) return;
    this.byKey.delete(record.key);
    this.byId.delete(record.id);
    this.keys.remove(record.key);
    this.dropOwner(record);
    const segment = spaceSegment(record.key);
    if (segment !== null) this.bySegment.get(segment)?.delete(record.key);
    if (record.uploadKey !== null) this.byUpload.delete(record.uploadKey);
    this.deletions.push({ id: record.id, key: record.key, at, via });
  }

  view(record: ContentRecord): ContentView {
    return {
      id: record.id,
      key: record.key,
      title: record.title,
      mimeType: record.mimeType,
      ownerType: 'SCOPE',
      ownerId: record.ownerId,
      url: record.url,
      byteSize: record.byteSize,
      metadata: structuredClone(record.metadata),
      ingestionConfig: structuredClone(record.ingestionConfig),
      sourceKind: record.sourceKind,
      sourceName: record.sourceName,
      sourceOwnerType: record.sourceOwnerType,
      storeInternally: record.storeInternally,
      baseUrl: record.baseUrl,
      ingestionState: record.ingestionState,
      createdAt: new Date(record.createdAt).toISOString(),
      updatedAt: record.updatedAt === null ? null : new Date(record.updatedAt).toISOString(),
      uploaded: record.uploaded === null ? null : { ...record.uploaded },
    };
  }

  checkInvariants(ownerExists: (ownerId: string) => boolean): void {
    if (this.keys.size !== this.byKey.size || this.byId.size !== this.byKey.size) {
      throw new Error('content indexes disagree on the number of contents');
    }
    for (const record of this.byKey.values()) {
      if (!ownerExists(record.ownerId)) throw new Error(`content ${record.key} is owned by missing scope ${record.ownerId}`);
      const owned = this.byOwner.get(record.ownerId);
      const [start, end] = owned ? owned.prefixRange(record.key) : [0, 0];
      if (start === end || owned!.slice(start, start + 1)[0] !== record.key) {
        throw new Error(`content ${record.key} is missing from its owner index`);
      }
    }
  }

  private ownerIndex(ownerId: string): SortedKeys {
    let keys = this.byOwner.get(ownerId);
    if (!keys) this.byOwner.set(ownerId, (keys = new SortedKeys()));
    return keys;
  }

  private dropOwner(record: ContentRecord): void {
    const keys = this.byOwner.get(record.ownerId);
    keys?.remove(record.key);
    if (keys && keys.size === 0) this.byOwner.delete(record.ownerId);
  }
}
