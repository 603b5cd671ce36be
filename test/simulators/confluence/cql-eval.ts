/**
 * Evaluates parsed CQL against the store. Index-backed clauses (label, id, space,
 * ancestor) narrow the candidates; the full predicate then filters them. Results
 * are cached per (store revision, query) so paging through a large result set does
 * not re-evaluate and re-sort it on every page.
 */
import { CqlError, parseCql, type CqlNode } from './cql-parser.js';
import type { ConfluenceStore, ContentRecord } from './store.js';

const CACHE_LIMIT = 256;

/** Content ids are digit strings: shorter is smaller, equal length compares as text. */
export function compareIds(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

export class CqlSearch {
  private readonly parsed = new Map<string, CqlNode>();
  private readonly results = new Map<string, string[]>();
  private cachedRevision = -1;

  constructor(private readonly store: ConfluenceStore) {}

  /** Visible matching ids sorted numerically; throws CqlError for queries outside the subset. */
  search(cql: string): string[] {
    if (this.cachedRevision !== this.store.revision) {
      this.results.clear();
      this.cachedRevision = this.store.revision;
    }
    const cached = this.results.get(cql);
    if (cached) return cached;
    const node = this.parse(cql);
    const ids: string[] = [];
    for (const id of this.candidates(node) ?? this.store.content.keys()) {
      const record = this.store.get(id);
      if (record && this.store.isVisible(record) && this.matches(node, record)) ids.push(id);
    }
    ids.sort(compareIds);
    if (this.results.size >= CACHE_LIMIT) this.results.clear();
    this.results.set(cql, ids);
    return ids;
  }

  private parse(cql: string): CqlNode {
    let node = this.parsed.get(cql);
    if (!node) {
      node = parseCql(cql);
      if (this.parsed.size >= CACHE_LIMIT) this.parsed.clear();
      this.parsed.set(cql, node);
    }
    return node;
  }

  /** A superset of the matching ids, or undefined when no index narrows the clause. */
  private candidates(node: CqlNode): Iterable<string> | undefined {
    switch (node.kind) {
      case 'label': return this.store.byLabel.get(node.value) ?? [];
      case 'id': return node.ids;
      case 'space': {
        const space = this.store.spaceByKey(node.key);
        return space ? (this.store.bySpace.get(space.id) ?? []) : [];
      }
      case 'ancestor': {
        const ids = new Set<string>();
        for (const root of node.ids) this.store.descendantIds(root, ids);
        return ids;
      }
      case 'and': {
        let best: Iterable<string> | undefined;
        for (const item of node.items) {
          const set = this.candidates(item);
          if (set && (best === undefined || sizeOf(set) < sizeOf(best))) best = set;
        }
        return best;
      }
      case 'or': {
        const union = new Set<string>();
        for (const item of node.items) {
          const set = this.candidates(item);
          if (!set) return undefined;
          for (const id of set) union.add(id);
        }
        return union;
      }
      default:
        return undefined;
    }
  }

  private matches(node: CqlNode, record: ContentRecord): boolean {
    switch (node.kind) {
      case 'and': return node.items.every((item) => this.matches(item, record));
      case 'or': return node.items.some((item) => this.matches(item, record));
      case 'label': return record.labels.includes(node.value);
      case 'spaceType': return this.store.spaceById(record.spaceId).type === node.value;
      case 'type': return (record.type === node.value) !== node.negated;
      case 'id': return node.ids.includes(record.id);
      case 'space': return this.store.spaceById(record.spaceId).key === node.key;
      case 'title': return record.title === node.value;
      case 'ancestor': return this.store.isDescendantOf(record, new Set(node.ids));
      default: {
        const unreachable: never = node;
        throw new CqlError(`unsupported clause ${JSON.stringify(unreachable)}`);
      }
    }
  }
}

function sizeOf(items: Iterable<string>): number {
  if (items instanceof Set) return items.size;
  return Array.isArray(items) ? items.length : Number.POSITIVE_INFINITY;
}
