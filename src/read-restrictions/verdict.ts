/**
 * The read-restriction verdict (Confluence contract §17), as a pure function of the
 * states known so far: content may be shown only when neither it nor any ancestor is
 * read-restricted, and only when every one of those states could be read (fail closed).
 */
import type { ReadRestriction, RestrictionSubject } from '../records.js';

/** The content itself or the ancestor a verdict is about. */
export interface DecidingContent {
  id: string;
  title: string;
  type: string;
  /** The content itself rather than an ancestor. */
  own: boolean;
}

export type RestrictionVerdict =
  | { kind: 'open' }
  | { kind: 'restricted'; by: DecidingContent; restriction: ReadRestriction }
  | { kind: 'unknown'; of: DecidingContent };

/** An item's state: its restriction, `missing` (the answer left it out) or `unknown` (the fallback failed too). */
export type RestrictionState = ReadRestriction | 'missing' | 'unknown';

export const isKnownState = (state: RestrictionState | undefined): state is ReadRestriction => typeof state === 'object';
const isRestricted = (state: RestrictionState | undefined): state is ReadRestriction => isKnownState(state) && state.users + state.groups > 0;

/** The chain that decides an item, nearest first: the item, its parent, …, the space root. */
export function chainOf(subject: RestrictionSubject): DecidingContent[] {
  const ancestors = [...subject.ancestors].reverse().map((a) => ({ id: a.id, title: a.title, type: a.type, own: false }));
  return [{ id: subject.id, title: subject.title, type: subject.type, own: true }, ...ancestors];
}

/**
 * The verdict from the states known so far, or undefined while a state is still to be
 * asked for (unless `final`, where anything not known is unknown). A known restriction
 * anywhere in the chain wins over an unknown state elsewhere; the item's own
 * restriction is named before an ancestor's, and the nearest ancestor first. A state
 * that could not be read decides at once: the item is withheld whatever the others
 * say, so they are not worth a request.
 *
 * Asked for every page, more than once a cycle: it walks the chain in place and builds
 * the deciding content only for the verdict it returns.
 */
export function verdictOf(subject: RestrictionSubject, states: ReadonlyMap<string, RestrictionState>, final: boolean): RestrictionVerdict | undefined {
  const depth = subject.ancestors.length;
  let notKnown = -1;
  let unreadable = -1;
  for (let nearest = 0; nearest <= depth; nearest += 1) {
    const state = states.get(nearest === 0 ? subject.id : subject.ancestors[depth - nearest]!.id);
    if (isRestricted(state)) return { kind: 'restricted', by: chainItem(subject, nearest), restriction: state };
    if (isKnownState(state)) continue;
    if (notKnown < 0) notKnown = nearest;
    if (unreadable < 0 && state === 'unknown') unreadable = nearest;
  }
  if (notKnown < 0) return OPEN;
  if (unreadable >= 0) return { kind: 'unknown', of: chainItem(subject, unreadable) };
  return final ? { kind: 'unknown', of: chainItem(subject, notKnown) } : undefined;
}

/** Every state of the chain is known: the verdict can no longer change, whatever is learnt later. */
export function isSettled(subject: RestrictionSubject, states: ReadonlyMap<string, RestrictionState>): boolean {
  if (!isKnownState(states.get(subject.id))) return false;
  for (const ancestor of subject.ancestors) if (!isKnownState(states.get(ancestor.id))) return false;
  return true;
}

const OPEN: RestrictionVerdict = Object.freeze({ kind: 'open' });

/** The chain's item `nearest` steps up from the subject (0: the subject itself). */
function chainItem(subject: RestrictionSubject, nearest: number): DecidingContent {
  if (nearest === 0) return { id: subject.id, title: subject.title, type: subject.type, own: true };
  const ancestor = subject.ancestors[subject.ancestors.length - nearest]!;
  return { id: ancestor.id, title: ancestor.title, type: ancestor.type, own: false };
}

/** How an operator reads a verdict: `own`, `inherited from 5001 "HR"`, `unknown (ancestor 5001 "HR")`. */
export function describeVerdict(verdict: RestrictionVerdict): string {
  if (verdict.kind === 'open') return 'not read-restricted';
  if (verdict.kind === 'restricted') return verdict.by.own ? 'own' : `inherited from ${verdict.by.id} "${verdict.by.title}"`;
  return verdict.of.own ? 'unknown (own)' : `unknown (ancestor ${verdict.of.id} "${verdict.of.title}")`;
}

/** The short form for a log field (the title sits in its own field, so the log policy can conceal it). */
export function restrictionField(verdict: Exclude<RestrictionVerdict, { kind: 'open' }>): string {
  if (verdict.kind === 'restricted') return verdict.by.own ? 'own' : `inherited from ${verdict.by.id}`;
  return verdict.of.own ? 'unknown' : `unknown (ancestor ${verdict.of.id})`;
}

/** What decided a withheld or refused item: the restricting content, or the one whose state could not be read. */
export function decidingContent(verdict: Exclude<RestrictionVerdict, { kind: 'open' }>): DecidingContent {
  return verdict.kind === 'restricted' ? verdict.by : verdict.of;
}
