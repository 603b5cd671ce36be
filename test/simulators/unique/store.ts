/**
 * The simulated company: users, scope tree and contents. Operations that touch both
 * scopes and contents live here so that "no content is owned by a deleted scope"
 * holds whichever way a scope disappears.
 */
import { createHash } from 'node:crypto';
import { ContentStore, type ContentRecord } from './content-store.js';
import { badInput, notFound } from './errors.js';
import { ScopeStore } from './scope-store.js';
import type { ContentView, ScopeView, SeedContent, SeedScope, SimulatorState, UniqueScenario } from './types.js';

export const DEFAULT_SCOPES: SeedScope[] = [
  { id: 'scope_root', name: 'Company KB', parentId: null },
  { id: 'scope_confluence', name: 'Confluence', parentId: 'scope_root' },
];

export class Store {
  readonly scopes = new ScopeStore();
  readonly contents = new ContentStore();
  readonly users: Set<string>;
  private jobs = 0;

  constructor(readonly scenario: UniqueScenario, readonly ingestionBaseUrl: string) {
    this.users = new Set([scenario.serviceUserId, ...(scenario.users ?? [])]);
    for (const scope of scenario.scopes ?? DEFAULT_SCOPES) this.scopes.create(scope);
    for (const content of scenario.contents ?? []) this.addContent(content);
  }

  /** Deletes the scope and its subtree, and every content they own; returns the deleted scopes, parents first. */
  deleteScopeTree(scopeId: string, via: string): ScopeView[] {
    const ids = this.scopes.subtree(scopeId);
    const views = ids.map((id) => this.scopes.view(this.scopes.require(id)));
    const at = Date.now();
    for (const id of [...ids].reverse()) {
      const owned = this.contents.ownedBy(id);
      for (const key of owned ? [...owned.all()] : []) this.contents.remove(this.contents.get(key)!, via, at);
      this.scopes.removeLeaf(id);
    }
    return views;
  }

  /** bulkMove answers with a job id for its asynchronous metadata rebuild. */
  nextJobId(): string {
    return `job_${++this.jobs}`;
  }

  /** Number of contents owned by the scope and its descendants. */
  contentCountUnder(scopeId: string): number {
    return this.scopes.subtree(scopeId).reduce((sum, id) => sum + (this.contents.ownedBy(id)?.size ?? 0), 0);
  }

  addContent(seed: SeedContent): ContentView {
    if (typeof seed.key !== 'string' || seed.key.length === 0) throw badInput('seed content needs a key');
    if (!this.scopes.get(seed.ownerId)) throw notFound(`Scope ${seed.ownerId} not found`);
    const now = Date.now();
    const updatedAt = seed.updatedAt === null ? null : seed.updatedAt === undefined ? now : new Date(seed.updatedAt).getTime();
    if (updatedAt !== null && Number.isNaN(updatedAt)) throw badInput(`seed content ${seed.key} has an invalid updatedAt`);
    const text = seed.text === undefined ? undefined : Buffer.from(seed.text, 'utf8');
    const record: ContentRecord = {
      id: seed.id ?? this.contents.newId(),
      key: seed.key,
      title: seed.title ?? seed.key,
      mimeType: seed.mimeType ?? 'text/html',
      ownerId: seed.ownerId,
      url: seed.url ?? null,
      byteSize: seed.byteSize ?? text?.length ?? 0,
      metadata: seed.metadata ?? null,
      ingestionConfig: seed.ingestionConfig ?? null,
      sourceKind: seed.sourceKind ?? null,
      sourceName: seed.sourceName ?? null,
      sourceOwnerType: 'COMPANY',
      storeInternally: true,
      baseUrl: null,
      ingestionState: seed.ingestionState ?? (updatedAt === null ? 'REGISTERED' : 'FINISHED'),
      createdAt: updatedAt ?? now,
      updatedAt,
      lastUpsertAt: updatedAt ?? now,
      internallyStoredAt: updatedAt,
      uploadKey: null,
      readUrl: null,
      uploaded: null,
      reofferedAt: null,
    };
    if (text !== undefined) {
      record.uploaded = { size: text.length, sha256: createHash('sha256').update(text).digest('hex'), contentType: record.mimeType, bytes: text, text: seed.text! };
    }
    this.contents.insert(record);
    return this.contents.view(record);
  }

  checkInvariants(): void {
    this.scopes.checkInvariants();
    this.contents.checkInvariants((ownerId) => this.scopes.get(ownerId) !== undefined);
  }

  /** The inspection and mutation API handed to tests. */
  stateApi(): SimulatorState {
    return {
      scopes: () => [...this.scopes.all()].map((s) => this.scopes.view(s)),
      scope: (id) => {
        const scope = this.scopes.get(id);
        return scope && this.scopes.view(scope);
      },
      contents: () => [...this.contents.keys.all()].map((key) => this.contents.view(this.contents.get(key)!)),
      content: (key) => {
        const record = this.contents.get(key);
        return record && this.contents.view(record);
      },
      deletions: () => this.contents.deletions.map((d) => ({ ...d })),
      addScope: (scope) => this.scopes.view(this.scopes.create(scope)),
      setExternalId: (scopeId, externalId) => void this.scopes.setExternalId(scopeId, externalId),
      addContent: (seed) => this.addContent(seed),
      setIngestionState: (key, state) => {
        const record = this.contents.get(key);
        if (!record) throw notFound(`Content ${key} not found`);
        record.ingestionState = state;
      },
      setMetadata: (key, metadata) => {
        const record = this.contents.get(key);
        if (!record) throw notFound(`Content ${key} not found`);
        record.metadata = metadata === null ? null : structuredClone(metadata);
      },
      checkInvariants: () => this.checkInvariants(),
    };
  }
}
