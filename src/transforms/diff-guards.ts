/**
 * The safety guards of Unique contract §12, as a pure verdict on one space's diff.
 * A tripped guard aborts the whole tenant cycle before anything is written, because
 * each of these shapes is far more likely to be a broken listing, a renamed key
 * format or a misconfiguration than a user really emptying a space.
 */
export type GuardVerdict =
  | { kind: 'ok' }
  | { kind: 'warn'; reason: string }
  | { kind: 'abort'; reason: string };

export interface GuardInput {
  submittedKeys: ReadonlySet<string>;
  newKeys: readonly string[];
  deletedKeys: readonly string[];
  /** Stored contents under the space's partial key; needed only when something is deleted. */
  storedCount?: number;
}

export function needsStoredCount(input: Pick<GuardInput, 'deletedKeys'>): boolean {
  return input.deletedKeys.length > 0;
}

export function evaluateGuards(input: GuardInput): GuardVerdict {
  const { submittedKeys, newKeys, deletedKeys, storedCount } = input;
  if (deletedKeys.length === 0) return { kind: 'ok' };
  // §12.1. `planChanges` diffs a space only for the records it has, so a cycle never
  // submits an empty list (an empty discovery is stopped before the diff and deletes
  // nothing); the guard stays for any caller that does, and the table test reaches it.
  if (submittedKeys.size === 0) {
    return { kind: 'abort', reason: `zero submission: nothing was submitted but ${deletedKeys.length} stored items would be deleted` };
  }
  // A key reported deleted while it is submitted again means the service matched stored
  // content beyond this partial key (a renamed tenant or key format, contract §14.15):
  // acting on it would delete what this very cycle ingests, whatever the counts say.
  const overlapping = deletedKeys.filter((key) => submittedKeys.has(key));
  if (overlapping.length > 0) {
    return {
      kind: 'abort',
      reason: `${overlapping.length} keys would be deleted while they are submitted again (first: ${overlapping[0]})`,
    };
  }
  if (storedCount === undefined) {
    throw new Error('evaluateGuards needs the stored count when items are deleted');
  }
  if (deletedKeys.length < storedCount) return { kind: 'ok' };
  if (newKeys.length === 0) {
    return { kind: 'abort', reason: `full deletion: all ${storedCount} stored items would be deleted and nothing replaces them` };
  }
  return { kind: 'warn', reason: `all ${storedCount} stored items are replaced by ${newKeys.length} new keys` };
}
