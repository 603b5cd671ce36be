/**
 * What every route needs to know about this simulator instance, plus paging helpers
 * shared by the list endpoints: expand parsing, limit caps (contract §5.1) and
 * opaque cursors (§8).
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { CqlSearch } from './cql-eval.js';
import type { ConfluenceStore } from './store.js';
import type { Flavour, PageCaps, RestrictionBehaviour, ScenarioUser } from './types.js';

export interface SimContext {
  flavour: Flavour;
  store: ConfluenceStore;
  search: CqlSearch;
  cursors: CursorStore;
  caps: Required<PageCaps>;
  /** Site (Cloud) or instance URL including the context path (DC). */
  baseUrl: string;
  /** `_links.base`: Cloud `{baseUrl}/wiki`, DC `{baseUrl}`. */
  linksBase: string;
  /** `_links.context`: Cloud `/wiki`, DC the context path. */
  linksContext: string;
  cloudId: string;
  manifestId: string;
  mediaOrigin: string;
  /** Media file id → attachment id, filled when a download redirect is issued. */
  mediaFiles: Map<string, string>;
  mediaRejectsAuthorization: boolean;
  attachmentNextRepeatsExpand: boolean;
  /** Read-restriction switches (contract §17); tests flip them between cycles. */
  restrictions: RestrictionBehaviour;
  /** Users the user endpoints know. */
  users: readonly ScenarioUser[];
}

export const DEFAULT_CAPS: Record<Flavour, Required<PageCaps>> = {
  'data-center': { withBody: 50, withExpansions: 200, bare: 1000 },
  cloud: { withBody: 50, withExpansions: 100, bare: 250 },
};
const DEFAULT_LIMIT = 25;

/** The `expand` parameter; naming `a.b.c` also expands `a.b` and `a`, as Confluence does. */
export class Expansions {
  private readonly names: Set<string>;
  readonly raw: string;

  constructor(param: string | null) {
    this.raw = param ?? '';
    this.names = new Set();
    for (const item of this.raw.split(',').map((s) => s.trim()).filter(Boolean)) {
      const parts = item.split('.');
      for (let i = 1; i <= parts.length; i++) this.names.add(parts.slice(0, i).join('.'));
    }
  }

  has(name: string): boolean {
    return this.names.has(name);
  }

  get isEmpty(): boolean {
    return this.names.size === 0;
  }
}

/** Requested `limit` capped by the flavour's caps for this kind of expansion. */
export function effectiveLimit(requested: string | null, expand: Expansions, caps: Required<PageCaps>): number {
  const cap = expand.has('body') ? caps.withBody : expand.isEmpty ? caps.bare : caps.withExpansions;
  const parsed = requested === null ? DEFAULT_LIMIT : Number.parseInt(requested, 10);
  const wanted = Number.isFinite(parsed) && parsed > 0 ? parsed : DEFAULT_LIMIT;
  return Math.min(wanted, cap);
}

export function parseStart(param: string | null): number {
  const parsed = param === null ? 0 : Number.parseInt(param, 10);
  return Number.isFinite(parsed) && parsed > 0 ? parsed : 0;
}

/**
 * Cursors carry the offset signed with a per-instance secret: opaque to clients,
 * nothing to remember per page, and a cursor from another simulator (or a hand-made
 * one) is rejected like Cloud's single-tenant cursors. `scope` ties a cursor to the
 * query it continues.
 */
export class CursorStore {
  private readonly secret = randomBytes(32);

  issue(scope: string, offset: number): string {
    return Buffer.from(`${offset}.${this.sign(scope, offset)}`).toString('base64url');
  }

  /** The offset a cursor continues at, or undefined if this instance did not issue it for this scope. */
  resolve(cursor: string, scope: string): number | undefined {
    const [offsetText, signature] = Buffer.from(cursor, 'base64url').toString('utf8').split('.');
    if (!offsetText || !/^\d+$/.test(offsetText) || !signature) return undefined;
    const offset = Number(offsetText);
    return signature === this.sign(scope, offset) ? offset : undefined;
  }

  /**
   * Another spelling of an issued cursor, continuing at the same offset: what a server
   * hands out when it answers a page empty and wants the same position asked for again.
   * `resolve` reads only the offset and the signature, so the suffix changes nothing else.
   */
  static alias(cursor: string, n: number): string {
    return Buffer.from(`${Buffer.from(cursor, 'base64url').toString('utf8')}.${n}`).toString('base64url');
  }

  private sign(scope: string, offset: number): string {
    return createHmac('sha256', this.secret).update(`${scope}\u0000${offset}`).digest('base64url').slice(0, 22);
  }
}
