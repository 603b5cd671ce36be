/**
 * The scope tree of one company. Keeps a child index per parent and an external-id
 * index so lookups by id, external id and parent are O(1); enforces unique non-null
 * external ids, existing parents and an acyclic tree.
 */
import { badInput, conflict, notFound } from './errors.js';
import type { ScopeAccess, ScopeView, SeedScope } from './types.js';

export interface ScopeRecord {
  id: string;
  name: string;
  parentId: string | null;
  externalId: string | null;
  accesses: Map<string, ScopeAccess>;
  children: Set<string>;
}

const accessKey = (a: ScopeAccess) => `${a.entityType}:${a.entityId}:${a.accessType}`;

export class ScopeStore {
  private readonly scopes = new Map<string, ScopeRecord>();
  private readonly topLevel = new Set<string>();
  private readonly byExternal = new Map<string, string>();
  private counter = 0;

  get(id: string): ScopeRecord | undefined {
    return this.scopes.get(id);
  }

  require(id: string): ScopeRecord {
    const scope = this.scopes.get(id);
    if (!scope) throw notFound(`Scope ${id} not found`);
    return scope;
  }

  byExternalId(externalId: string): ScopeRecord | undefined {
    const id = this.byExternal.get(externalId);
    return id === undefined ? undefined : this.scopes.get(id);
  }

  /** Children of `parentId`, or the top-level scopes for null, in creation order. */
  childIds(parentId: string | null): Iterable<string> {
    if (parentId === null) return this.topLevel;
    return this.scopes.get(parentId)?.children ?? [];
  }

  all(): Iterable<ScopeRecord> {
    return this.scopes.values();
  }

  findChildByName(parentId: string | null, name: string): ScopeRecord | undefined {
    for (const id of this.childIds(parentId)) {
      const child = this.scopes.get(id)!;
      if (child.name === name) return child;
    }
    return undefined;
  }

  create(seed: SeedScope): ScopeRecord {
    if (typeof seed.name !== 'string' || seed.name.length === 0 || seed.name.includes('/')) {
      throw badInput(`Scope name must be non-empty and without "/": ${JSON.stringify(seed.name)}`);
    }
    if (seed.parentId !== null) this.require(seed.parentId);
    const externalId = seed.externalId ?? null;
    if (externalId !== null && this.byExternal.has(externalId)) {
      throw conflict(`External id ${externalId} is already used by another scope`);
    }
    let id = seed.id;
    if (id !== undefined && this.scopes.has(id)) throw conflict(`Scope ${id} already exists`);
    while (id === undefined || this.scopes.has(id)) id = `scope_${(++this.counter).toString(36).padStart(6, '0')}`;
    const scope: ScopeRecord = { id, name: seed.name, parentId: seed.parentId, externalId, accesses: new Map(), children: new Set() };
    this.scopes.set(id, scope);
    this.siblingsOf(scope.parentId).add(id);
    if (externalId !== null) this.byExternal.set(externalId, id);
    return scope;
  }

  setExternalId(id: string, externalId: string | null): ScopeRecord {
    const scope = this.require(id);
    if (externalId !== null) {
      const holder = this.byExternal.get(externalId);
      if (holder !== undefined && holder !== id) throw conflict(`External id ${externalId} is already used by another scope`);
    }
    if (scope.externalId !== null) this.byExternal.delete(scope.externalId);
    scope.externalId = externalId;
    if (externalId !== null) this.byExternal.set(externalId, id);
    return scope;
  }

  rename(id: string, name: string): void {
    if (name.length === 0 || name.includes('/')) throw badInput('Scope name must be non-empty and without "/"');
    this.require(id).name = name;
  }

  /** True when `ancestorId` is `id` or one of its ancestors. */
  isSelfOrAncestor(ancestorId: string, id: string): boolean {
    for (let cur: string | null = id; cur !== null; cur = this.scopes.get(cur)?.parentId ?? null) {
      if (cur === ancestorId) return true;
    }
    return false;
  }

  reparent(id: string, parentId: string | null): void {
    const scope = this.require(id);
    if (parentId !== null) {
      this.require(parentId);
      if (this.isSelfOrAncestor(id, parentId)) throw badInput(`Moving scope ${id} under ${parentId} would create a cycle`);
    }
    this.siblingsOf(scope.parentId).delete(id);
    scope.parentId = parentId;
    this.siblingsOf(parentId).add(id);
  }

  /** `id` and all its descendants, parents before children. */
  subtree(id: string): string[] {
    const out = [id];
    for (let i = 0; i < out.length; i++) out.push(...this.require(out[i]!).children);
    return out;
  }

  /** Removes a scope that has no children; the caller deletes bottom-up and handles content. */
  removeLeaf(id: string): void {
    const scope = this.require(id);
    if (scope.children.size > 0) throw badInput(`Scope ${id} still has child scopes`);
    this.siblingsOf(scope.parentId).delete(id);
    if (scope.externalId !== null) this.byExternal.delete(scope.externalId);
    this.scopes.delete(id);
  }

  grant(id: string, accesses: ScopeAccess[]): void {
    const scope = this.require(id);
    for (const access of accesses) scope.accesses.set(accessKey(access), { ...access });
  }

  hasAccess(id: string, entityId: string, accessType: ScopeAccess['accessType']): boolean {
    return this.scopes.get(id)?.accesses.has(accessKey({ entityType: 'USER', entityId, accessType })) ?? false;
  }

  path(id: string): string {
    const names: string[] = [];
    for (let cur: string | null = id; cur !== null; ) {
      const scope = this.require(cur);
      names.push(scope.name);
      cur = scope.parentId;
    }
    return '/' + names.reverse().join('/');
  }

  view(scope: ScopeRecord): ScopeView {
    return {
      id: scope.id,
      name: scope.name,
      parentId: scope.parentId,
      externalId: scope.externalId,
      path: this.path(scope.id),
      accesses: [...scope.accesses.values()].map((a) => ({ ...a })),
    };
  }

  /** Throws when the indexes disagree with the records. */
  checkInvariants(): void {
    for (const scope of this.scopes.values()) {
      if (scope.parentId !== null && !this.scopes.get(scope.parentId)?.children.has(scope.id)) {
        throw new Error(`scope ${scope.id} is missing from its parent's child index`);
      }
      if (scope.externalId !== null && this.byExternal.get(scope.externalId) !== scope.id) {
        throw new Error(`external id index does not point at scope ${scope.id}`);
      }
      this.path(scope.id);
    }
  }

  private siblingsOf(parentId: string | null): Set<string> {
    return parentId === null ? this.topLevel : this.require(parentId).children;
  }
}
