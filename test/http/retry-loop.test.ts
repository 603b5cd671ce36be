/** The retry loop alone: a bare first attempt, then p-retry counting the retries. */
import t from 'tap';
import { ConnectorError } from '../../src/errors.js';
import { FinalFailure, RetryableFailure, runWithRetries } from '../../src/http/retry-loop.js';
import { ManualClock, until } from '../helpers/manual-clock.js';

const failure = (message: string) => new ConnectorError('HTTP_ERROR', message);

t.test('a first attempt that succeeds is the only one', async (t) => {
  const seen: number[] = [];
  t.equal(await runWithRetries(async (n) => (seen.push(n), 'ok'), { retries: 3 }), 'ok');
  t.same(seen, [1]);
});

t.test('retryable failures are retried with increasing attempt numbers until one succeeds', async (t) => {
  const seen: number[] = [];
  const result = await runWithRetries(
    async (n) => {
      seen.push(n);
      if (n < 3) throw new RetryableFailure(failure(`attempt ${n}`), 0);
      return n;
    },
    { retries: 3 },
  );
  t.equal(result, 3);
  t.same(seen, [1, 2, 3]);
});

t.test('retries exhausted: the last retryable failure is thrown as it is', async (t) => {
  const seen: number[] = [];
  const thrown = await runWithRetries(
    async (n) => {
      seen.push(n);
      throw new RetryableFailure(failure(`attempt ${n}`), 0);
    },
    { retries: 2 },
  ).catch((error: unknown) => error);
  t.same(seen, [1, 2, 3], 'the first attempt and two retries');
  t.ok(thrown instanceof RetryableFailure);
  t.equal((thrown as RetryableFailure).error.message, 'attempt 3');
});

t.test('a final failure or a foreign error ends the loop at once, first attempt or retry', async (t) => {
  for (const at of [1, 2]) {
    const seen: number[] = [];
    const final = new FinalFailure(failure('refused'));
    const thrown = await runWithRetries(
      async (n) => {
        seen.push(n);
        if (n < at) throw new RetryableFailure(failure('again'), 0);
        throw final;
      },
      { retries: 5 },
    ).catch((error: unknown) => error);
    t.equal(thrown, final, `a final failure at attempt ${at}`);
    t.same(seen.length, at);
  }
  const foreign = new Error('auth provider down');
  t.equal(await runWithRetries(async () => Promise.reject(foreign), { retries: 5 }).catch((error: unknown) => error), foreign);
});

t.test('each retry waits the delay its failure asked for, on the given clock', async (t) => {
  const clock = new ManualClock();
  const seen: number[] = [];
  const done = runWithRetries(
    async (n) => {
      seen.push(n);
      if (n < 3) throw new RetryableFailure(failure('throttled'), 1000 * n);
      return 'ok';
    },
    { retries: 3, clock },
  );
  await until(() => seen.length === 1);
  await clock.advance(999);
  t.same(seen, [1], 'not before the first delay');
  await clock.advance(1);
  await until(() => seen.length === 2);
  await clock.advance(1999);
  t.same(seen, [1, 2], 'not before the second delay');
  await clock.advance(1);
  t.equal(await done, 'ok');
});
