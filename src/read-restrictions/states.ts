/**
 * The read-restriction states of one cycle, and how they are asked for (Confluence
 * contract §17), in order of cost: the answer that brought an item (discovery, a title
 * search) when it carried the expansion; one `id IN (…)` search per 100 ancestors not
 * yet known; then, for a server that ignores the expansion, one per-content request
 * per item still missing. What is learnt is kept for the cycle, and an id is never
 * asked for twice, even by callers running at once (the restrictions stage, then the
 * body stages a page at a time).
 */
import type { ConfluenceApi } from '../confluence/api.js';
import { fetchReadRestriction, lookUpRestrictions } from '../confluence/restrictions.js';
import type { Logger } from '../log.js';
import type { RestrictionSubject } from '../records.js';
import { chainOf, isKnownState, isSettled, verdictOf, type RestrictionState, type RestrictionVerdict } from './verdict.js';

export interface RestrictionDeps {
  api: ConfluenceApi;
  logger: Logger;
  /** Per-content fallback requests in flight at once. */
  concurrency: number;
}

export interface Resolution {
  verdicts: Map<string, RestrictionVerdict>;
  /** Ancestors outside the set asked for in `id IN (…)` searches. */
  lookedUp: number;
  /** Per-content fallback requests, and how many of them left the state unknown. */
  fallbacks: number;
  fallbackFailures: number;
}

/** Per-content requests that fail in a row before the rest of the missing states are taken as unknown. */
export const FALLBACK_GIVE_UP = 5;

export class RestrictionStates {
  readonly #deps: RestrictionDeps;
  readonly #states = new Map<string, RestrictionState>();
  /** Ids asked for by search or per content: the request (done or running) that answers them. */
  readonly #searched = new Map<string, Promise<void>>();
  readonly #fallbacks = new Map<string, Promise<void>>();
  #expansionHonoured = false;
  #failuresInARow = 0;
  /** Requests made so far this cycle. */
  readonly counts = { lookedUp: 0, fallbacks: 0, fallbackFailures: 0 };

  constructor(deps: RestrictionDeps) {
    this.#deps = deps;
  }

  /** The states known now (for a verdict on what could be decided when a lookup failed). */
  get known(): ReadonlyMap<string, RestrictionState> {
    return this.#states;
  }

  /**
   * Verdicts for the subjects, asking Confluence only for what their own answers did not
   * say and no earlier call learnt. A failing `id IN (…)` search rejects: the
   * restrictions stage must not act on a partial picture (other callers fail closed).
   */
  async resolve(subjects: readonly RestrictionSubject[]): Promise<Resolution> {
    const before = { ...this.counts };
    for (const subject of subjects) this.#learn(subject);
    const pending = (): RestrictionSubject[] => subjects.filter((subject) => verdictOf(subject, this.#states, false) === undefined);

    // A server that ignored the expansion for everything so far will ignore it in the lookup too: straight to the fallback.
    const outside = idsOf(pending(), (id) => !this.#states.has(id));
    if (this.#expansionHonoured && outside.length > 0) await this.#search(outside);

    // The fallback goes top-down, a tree level at a time: a restricted (or unreadable)
    // ancestor then decides its whole subtree without one request per page below it.
    for (let level = shallowestMissing(pending(), this.#states); level.length > 0; level = shallowestMissing(pending(), this.#states)) {
      await this.#askEach(level);
      // Every id of the level now has an answer; one that still has none (never expected) is unknown, so the loop ends.
      for (const id of level) if (!isKnownState(this.#states.get(id))) this.#states.set(id, 'unknown');
    }

    const verdicts = new Map<string, RestrictionVerdict>();
    for (const subject of subjects) verdicts.set(subject.id, verdictOf(subject, this.#states, true)!);
    return {
      verdicts,
      lookedUp: this.counts.lookedUp - before.lookedUp,
      fallbacks: this.counts.fallbacks - before.fallbacks,
      fallbackFailures: this.counts.fallbackFailures - before.fallbackFailures,
    };
  }

  /**
   * Learns what the subject's own answer said and gives its verdict when every state
   * of its chain is already known (the answers that brought it and its ancestors said
   * so): the verdict `resolve` would give, without waiting for the rest. Undefined
   * while something is still to be asked for.
   */
  settledVerdict(subject: RestrictionSubject): RestrictionVerdict | undefined {
    this.#learn(subject);
    return isSettled(subject, this.#states) ? verdictOf(subject, this.#states, true) : undefined;
  }

  /** What the subject's own answer said; a known state is never replaced by a missing one. */
  #learn(subject: RestrictionSubject): void {
    if (subject.readRestriction !== undefined) {
      this.#expansionHonoured = true;
      this.#states.set(subject.id, subject.readRestriction);
    } else if (!this.#states.has(subject.id)) {
      this.#states.set(subject.id, 'missing');
    }
  }

  /** §17 `id IN (…)` lookups (100 ids a search) for the ids nobody has asked for yet; waits for the others. */
  async #search(ids: readonly string[]): Promise<void> {
    const fresh = ids.filter((id) => !this.#searched.has(id));
    if (fresh.length > 0) {
      const asked = (async () => {
        this.counts.lookedUp += fresh.length;
        const found = await lookUpRestrictions(this.#deps.api, fresh);
        // Ids the answer does not hold (deleted meanwhile, not visible) go to the fallback like the others.
        for (const id of fresh) if ((this.#states.get(id) ?? 'missing') === 'missing') this.#states.set(id, found.get(id)?.restriction ?? 'missing');
      })();
      for (const id of fresh) this.#searched.set(id, asked);
    }
    await Promise.all(ids.map((id) => this.#searched.get(id)));
  }

  /**
   * §17 fallback, one request per id, `concurrency` at a time. After FALLBACK_GIVE_UP
   * failures in a row the endpoint is taken for broken: what is still missing is
   * unknown, rather than retried item by item for an hour.
   */
  async #askEach(ids: readonly string[]): Promise<void> {
    const fresh = ids.filter((id) => !this.#fallbacks.has(id));
    if (fresh.length > 0) {
      const asked = forEachLimited(fresh, this.#deps.concurrency, async (id) => {
        if (this.#failuresInARow >= FALLBACK_GIVE_UP) {
          this.#states.set(id, 'unknown');
          return;
        }
        this.counts.fallbacks += 1;
        const restriction = await fetchReadRestriction(this.#deps.api, id, this.#deps.logger);
        if (restriction === undefined) this.counts.fallbackFailures += 1;
        this.#failuresInARow = restriction === undefined ? this.#failuresInARow + 1 : 0;
        this.#states.set(id, restriction ?? 'unknown');
      });
      for (const id of fresh) this.#fallbacks.set(id, asked);
    }
    await Promise.all(ids.map((id) => this.#fallbacks.get(id)));
  }
}

/** The ids still missing at the shallowest tree level any pending subject has one (depth 0: a space root). */
function shallowestMissing(subjects: readonly RestrictionSubject[], states: ReadonlyMap<string, RestrictionState>): string[] {
  const byDepth = new Map<number, Set<string>>();
  for (const subject of subjects) {
    const rootFirst = [...subject.ancestors.map((a) => a.id), subject.id];
    rootFirst.forEach((id, depth) => {
      if (isKnownState(states.get(id))) return;
      const level = byDepth.get(depth) ?? new Set<string>();
      byDepth.set(depth, level.add(id));
    });
  }
  if (byDepth.size === 0) return [];
  return [...byDepth.get(Math.min(...byDepth.keys()))!];
}

/** Distinct ids of the subjects' chains that pass `wanted`, in first-seen order. */
function idsOf(subjects: readonly RestrictionSubject[], wanted: (id: string) => boolean): string[] {
  const ids = new Set<string>();
  for (const subject of subjects) for (const item of chainOf(subject)) if (wanted(item.id)) ids.add(item.id);
  return [...ids];
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** The restrictions of a set of pages, on their own (`explain`): a fresh set of states. */
export function resolveRestrictions(subjects: readonly RestrictionSubject[], deps: RestrictionDeps): Promise<Resolution> {
  return new RestrictionStates(deps).resolve(subjects);
}
