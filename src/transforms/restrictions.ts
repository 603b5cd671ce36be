/**
 * The restrictions stage (Confluence contract §17): a page that is read-restricted,
 * by its own restriction or an ancestor's, is withheld, and so is a page whose state
 * (or an ancestor's) cannot be read: fail closed. A withheld page simply does not
 * come out of this stage, so everything downstream treats it as unselected: it is not
 * ingested, the diff reports its stored copy and its attachments as vanished, and a
 * space left with nothing selected becomes an orphaned space scope. The withheld pages
 * are kept aside for the reports (`dump`, the dry-run plan).
 *
 * A barrier: which ancestors need a lookup depends on the whole discovered set. The
 * states come, in order of cost, from the discovery expansion, one `id IN (…)` search
 * per 100 ancestors outside the set, then (for a server that ignores the expansion)
 * one per-content request per page or ancestor still missing.
 */
import highland from 'highland';
import type { ConfluenceApi } from '../confluence/api.js';
import { fetchReadRestriction, lookUpRestrictions } from '../confluence/restrictions.js';
import type { RestrictedPagesMode } from '../config/types.js';
import type { CycleReport } from '../cycle-report.js';
import { type Logger, stageLogger } from '../log.js';
import type { PageRecord, ReadRestriction } from '../records.js';

export const STAGE = 'restrictions';

/** The page itself or the ancestor a verdict is about. */
export interface DecidingContent {
  id: string;
  title: string;
  type: string;
  /** The page itself rather than an ancestor. */
  own: boolean;
}

export type RestrictionVerdict =
  | { kind: 'open' }
  | { kind: 'restricted'; by: DecidingContent; restriction: ReadRestriction }
  | { kind: 'unknown'; of: DecidingContent };

/** A page the stage withheld, as `dump` writes it: the page record plus why. */
export interface WithheldPage extends PageRecord {
  /** `read-restricted: own`, `read-restricted: inherited from 5001 "HR"`, `read restriction unknown: …`. */
  withheld: string;
  restriction: { verdict: 'restricted' | 'unknown'; contentId: string; contentTitle: string; own: boolean };
}

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

/** An item's state: its restriction, `missing` (the answer left it out) or `unknown` (the fallback failed too). */
type State = ReadRestriction | 'missing' | 'unknown';

const isRestricted = (state: State | undefined): state is ReadRestriction => typeof state === 'object' && state.users + state.groups > 0;
const isKnown = (state: State | undefined): state is ReadRestriction => typeof state === 'object';

/** The chain that decides a page, nearest first: the page, its parent, …, the space root. */
function chainOf(page: PageRecord): DecidingContent[] {
  const ancestors = [...page.ancestors].reverse().map((a) => ({ id: a.id, title: a.title, type: a.type, own: false }));
  return [{ id: page.id, title: page.title, type: page.type, own: true }, ...ancestors];
}

/**
 * Pure: the verdict from the states known so far, or undefined while a state is still
 * to be asked for (unless `final`, where anything not known is unknown). A known
 * restriction anywhere in the chain wins over an unknown state elsewhere; the page's
 * own restriction is named before an ancestor's, and the nearest ancestor first. A
 * state that could not be read decides at once: the page is withheld whatever the
 * others say, so they are not worth a request.
 */
export function verdictOf(page: PageRecord, states: ReadonlyMap<string, State>, final: boolean): RestrictionVerdict | undefined {
  const chain = chainOf(page);
  for (const item of chain) {
    const state = states.get(item.id);
    if (isRestricted(state)) return { kind: 'restricted', by: item, restriction: state };
  }
  const notKnown = chain.find((item) => !isKnown(states.get(item.id)));
  if (notKnown === undefined) return { kind: 'open' };
  const unreadable = chain.find((item) => states.get(item.id) === 'unknown');
  if (unreadable !== undefined) return { kind: 'unknown', of: unreadable };
  return final ? { kind: 'unknown', of: notKnown } : undefined;
}

/** Verdicts for every page, asking Confluence only for what the pages' own records did not say. */
export async function resolveRestrictions(pages: readonly PageRecord[], deps: RestrictionDeps): Promise<Resolution> {
  const states = new Map<string, State>();
  for (const page of pages) states.set(page.id, page.readRestriction ?? 'missing');
  const pending = (): PageRecord[] => pages.filter((page) => verdictOf(page, states, false) === undefined);
  const result: Resolution = { verdicts: new Map(), lookedUp: 0, fallbacks: 0, fallbackFailures: 0 };

  // A server that ignored the expansion for every page will ignore it in the lookup too: go straight to the fallback.
  const expansionHonoured = pages.some((page) => page.readRestriction !== undefined);
  const outside = idsOf(pending(), (id) => !states.has(id));
  if (expansionHonoured && outside.length > 0) {
    const found = await lookUpRestrictions(deps.api, outside);
    result.lookedUp = outside.length;
    for (const [id, item] of found) states.set(id, item.restriction ?? 'missing');
  }

  // The fallback goes top-down, a tree level at a time: a restricted (or unreadable)
  // ancestor then decides its whole subtree without one request per page below it.
  // After FALLBACK_GIVE_UP failures in a row the endpoint is taken for broken: what is
  // still missing is unknown, rather than retried page by page for an hour.
  let failuresInARow = 0;
  for (let level = shallowestMissing(pending(), states); level.length > 0; level = shallowestMissing(pending(), states)) {
    await forEachLimited(level, deps.concurrency, async (id) => {
      if (failuresInARow >= FALLBACK_GIVE_UP) {
        states.set(id, 'unknown');
        return;
      }
      result.fallbacks += 1;
      const restriction = await fetchReadRestriction(deps.api, id, deps.logger);
      if (restriction === undefined) result.fallbackFailures += 1;
      failuresInARow = restriction === undefined ? failuresInARow + 1 : 0;
      states.set(id, restriction ?? 'unknown');
    });
  }

  for (const page of pages) result.verdicts.set(page.id, verdictOf(page, states, true)!);
  return result;
}

/** Per-content requests that fail in a row before the rest of the missing states are taken as unknown. */
export const FALLBACK_GIVE_UP = 5;

/** The ids still missing at the shallowest tree level any pending page has one (depth 0: a space root). */
function shallowestMissing(pages: readonly PageRecord[], states: ReadonlyMap<string, State>): string[] {
  const byDepth = new Map<number, Set<string>>();
  for (const page of pages) {
    const rootFirst = [...page.ancestors.map((a) => a.id), page.id];
    rootFirst.forEach((id, depth) => {
      if (isKnown(states.get(id))) return;
      const level = byDepth.get(depth) ?? new Set<string>();
      byDepth.set(depth, level.add(id));
    });
  }
  if (byDepth.size === 0) return [];
  return [...byDepth.get(Math.min(...byDepth.keys()))!];
}

/** Distinct ids of the pages' chains that pass `wanted`, in first-seen order. */
function idsOf(pages: readonly PageRecord[], wanted: (id: string) => boolean): string[] {
  const ids = new Set<string>();
  for (const page of pages) for (const item of chainOf(page)) if (wanted(item.id)) ids.add(item.id);
  return [...ids];
}

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await run(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
}

/** How an operator reads a verdict: `own`, `inherited from 5001 "HR"`, `unknown (ancestor 5001 "HR")`. */
export function describeVerdict(verdict: RestrictionVerdict): string {
  if (verdict.kind === 'open') return 'not read-restricted';
  if (verdict.kind === 'restricted') return verdict.by.own ? 'own' : `inherited from ${verdict.by.id} "${verdict.by.title}"`;
  return verdict.of.own ? 'unknown (own)' : `unknown (ancestor ${verdict.of.id} "${verdict.of.title}")`;
}

export interface RestrictionsStageOptions extends RestrictionDeps {
  mode: RestrictedPagesMode;
  report?: CycleReport;
}

export interface RestrictionsStage {
  /** For `stream.through(…)`: the pages sync may take, in their order. */
  readonly through: (pages: Highland.Stream<PageRecord>) => Highland.Stream<PageRecord>;
  /** The pages held back, filled once the stream has ended. */
  readonly withheld: WithheldPage[];
}

/** `mode: ingest` is the vendor's behaviour: every page passes, nothing is asked. */
export function withholdRestricted(options: RestrictionsStageOptions): RestrictionsStage {
  const withheld: WithheldPage[] = [];
  if (options.mode === 'ingest') return { through: (pages) => pages, withheld };
  const log = stageLogger(options.logger, STAGE);
  const select = async (pages: PageRecord[]): Promise<PageRecord[]> => {
    const resolution = await resolveRestrictions(pages, { ...options, logger: log });
    const kept: PageRecord[] = [];
    for (const page of pages) {
      const verdict = resolution.verdicts.get(page.id)!;
      if (verdict.kind === 'open') kept.push(page);
      else withheld.push(withhold(page, verdict, log));
    }
    report(resolution, pages.length, withheld, log, options.report);
    return kept;
  };
  return {
    through: (pages) => pages.collect().flatMap((all) => highland(select(all))).flatMap((kept) => highland(kept)),
    withheld,
  };
}

/** Logs the page at INFO (one line per withheld page, naming what restricts it) and builds its record. */
function withhold(page: PageRecord, verdict: Exclude<RestrictionVerdict, { kind: 'open' }>, log: Logger): WithheldPage {
  const deciding = verdict.kind === 'restricted' ? verdict.by : verdict.of;
  const described = describeVerdict(verdict);
  // The title sits in its own field, so the log policy can conceal it; the id says which page.
  const restriction = verdict.kind === 'restricted' ? (deciding.own ? 'own' : `inherited from ${deciding.id}`) : deciding.own ? 'unknown' : `unknown (ancestor ${deciding.id})`;
  const fields = { pageId: page.id, title: page.title, spaceKey: page.space.key, restriction, restrictingPage: { id: deciding.id, title: deciding.title, type: deciding.type } };
  if (verdict.kind === 'restricted') log.info({ ...fields, users: verdict.restriction.users, groups: verdict.restriction.groups }, 'Read-restricted page withheld');
  else log.info(fields, 'Page withheld: its read restriction could not be read');
  return {
    ...page,
    withheld: verdict.kind === 'restricted' ? `read-restricted: ${described}` : `read restriction ${described}`,
    restriction: { verdict: verdict.kind, contentId: deciding.id, contentTitle: deciding.title, own: deciding.own },
  };
}

/** Counts (summary and metrics come from the report) and the stage's lines: one WARN a cycle for unknown states. */
function report(resolution: Resolution, checked: number, withheld: readonly WithheldPage[], log: Logger, cycle?: CycleReport): void {
  const unknown = withheld.filter((page) => page.restriction.verdict === 'unknown');
  cycle?.add('restricted', withheld.length);
  cycle?.add('restrictionUnknown', unknown.length);
  if (resolution.fallbacks > 0) {
    log.info({ requests: resolution.fallbacks, failed: resolution.fallbackFailures }, 'Read restrictions missing from search answers; asked per content');
  }
  if (unknown.length > 0) {
    log.warn({ pages: unknown.length, firstPageIds: unknown.slice(0, 10).map((page) => page.id) }, 'Read restriction state unknown: pages withheld');
  }
  log.info({ pages: checked, withheld: withheld.length, unknown: unknown.length, lookedUp: resolution.lookedUp }, 'Read restrictions checked');
}
