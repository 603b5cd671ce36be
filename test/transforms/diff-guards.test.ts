/**
 * The safety guards of Unique contract §12 as a table: every guard's verdict, and the
 * rows next to it that must not trip (so a guard turned off, or turned stricter, fails
 * here). `planChanges` builds one diff per space from that space's records, so in a
 * cycle the submission is never empty; the zero-submission row proves the guard itself,
 * which stays as the contract's first line of defence for any caller that diffs an
 * empty list (an empty discovery is stopped before the diff: it deletes nothing).
 */
import t from 'tap';
import { evaluateGuards, needsStoredCount, type GuardInput, type GuardVerdict } from '../../src/transforms/diff-guards.js';

interface Row {
  name: string;
  submitted: string[];
  newKeys?: string[];
  deleted: string[];
  stored?: number;
  verdict: GuardVerdict['kind'];
  /** The guard that decides, by its wording. */
  reason?: RegExp;
}

const ROWS: Row[] = [
  { name: 'nothing deleted: ok, whatever else', submitted: ['1'], deleted: [], verdict: 'ok' },
  { name: 'nothing deleted and nothing submitted: ok (an empty diff changes nothing)', submitted: [], deleted: [], verdict: 'ok' },
  { name: 'zero submission with deletions: abort, even when the count says only some are deleted', submitted: [], deleted: ['7'], stored: 10, verdict: 'abort', reason: /^zero submission: nothing was submitted but 1 stored items would be deleted/ },
  { name: 'zero submission deleting everything: the zero-submission guard decides first', submitted: [], deleted: ['7', '8'], stored: 2, verdict: 'abort', reason: /^zero submission/ },
  { name: 'a deleted key submitted again: abort (the service matched beyond the partial key)', submitted: ['1', '2'], deleted: ['2'], stored: 50, verdict: 'abort', reason: /^1 keys would be deleted while they are submitted again \(first: 2\)/ },
  { name: 'overlap wins over a replacement that looks complete', submitted: ['1', '2'], newKeys: ['1'], deleted: ['2'], stored: 1, verdict: 'abort', reason: /submitted again/ },
  { name: 'some stored items deleted: ok', submitted: ['1'], deleted: ['2', '3'], stored: 5, verdict: 'ok' },
  { name: 'one short of everything: ok', submitted: ['1'], deleted: ['2', '3'], stored: 3, verdict: 'ok' },
  { name: 'every stored item deleted, nothing new: abort (full deletion)', submitted: ['1'], deleted: ['2', '3'], stored: 2, verdict: 'abort', reason: /^full deletion: all 2 stored items would be deleted and nothing replaces them/ },
  { name: 'more deleted than counted (a count racing the diff): still a full deletion', submitted: ['1'], deleted: ['2', '3', '4'], stored: 2, verdict: 'abort', reason: /^full deletion/ },
  { name: 'every stored item replaced by new keys: a warning, never an abort', submitted: ['4', '5'], newKeys: ['4', '5'], deleted: ['2', '3'], stored: 2, verdict: 'warn', reason: /^all 2 stored items are replaced by 2 new keys/ },
];

function input(row: Row): GuardInput {
  return { submittedKeys: new Set(row.submitted), newKeys: row.newKeys ?? [], deletedKeys: row.deleted, storedCount: row.stored };
}

t.test('each guard of §12, and its neighbours that must pass', async (t) => {
  for (const row of ROWS) {
    const verdict = evaluateGuards(input(row));
    t.equal(verdict.kind, row.verdict, row.name);
    if (row.reason) t.match(verdict.kind === 'ok' ? '' : verdict.reason, row.reason, `${row.name}: decided by the right guard`);
  }
});

t.test('the stored count is asked for only when something would be deleted, and required then', async (t) => {
  t.equal(needsStoredCount({ deletedKeys: [] }), false);
  t.equal(needsStoredCount({ deletedKeys: ['1'] }), true);
  t.throws(() => evaluateGuards({ submittedKeys: new Set(['1']), newKeys: [], deletedKeys: ['2'] }), /needs the stored count/);
});
