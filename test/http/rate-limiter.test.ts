import t from 'tap';
import { RateLimiter } from '../../src/http/rate-limiter.js';

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
}

t.test('never more than the limit in any window, and starts spread evenly', async (t) => {
  // 5 per 200 ms: one start every 40 ms.
  const limiter = new RateLimiter({ limit: 5, windowMs: 200 });
  const starts: number[] = [];
  // Grant time = call time + the wait the limiter reports, so that the test measures
  // the limiter and not when promise callbacks happen to run.
  await Promise.all(
    Array.from({ length: 12 }, () => {
      const calledAt = performance.now();
      return limiter.acquire().then((queuedMs) => starts.push(calledAt + queuedMs));
    }),
  );
  t.equal(starts.length, 12);
  for (let i = 1; i < starts.length; i += 1) {
    t.ok(starts[i]! - starts[i - 1]! >= 39, `gap ${i} is at least the even spacing (${(starts[i]! - starts[i - 1]!).toFixed(1)} ms)`);
  }
  for (let i = 0; i + 5 < starts.length; i += 1) {
    t.ok(starts[i + 5]! - starts[i]! >= 199, `starts ${i}..${i + 5} span a full window`);
  }
  // Evenly, not in bursts: 12 starts take about 11 gaps.
  const total = starts.at(-1)! - starts[0]!;
  t.ok(total >= 11 * 39 && total < 11 * 40 + 1000, `total ${total.toFixed(0)} ms`);
});

t.test('the first request of an idle limiter starts at once', async (t) => {
  const limiter = new RateLimiter({ limit: 2, windowMs: 1000 });
  t.equal(await limiter.acquire(), 0);
});

t.test('waiting requests are served first in, first out', async (t) => {
  const limiter = new RateLimiter({ limit: 10, windowMs: 100 });
  const order: number[] = [];
  await Promise.all(Array.from({ length: 8 }, (_, i) => limiter.acquire().then(() => order.push(i))));
  t.same(order, [0, 1, 2, 3, 4, 5, 6, 7]);
});

t.test('an aborted wait leaves the queue and rejects with the reason', async (t) => {
  const limiter = new RateLimiter({ limit: 2, windowMs: 200 });
  await limiter.acquire();
  const controller = new AbortController();
  const aborted = limiter.acquire(controller.signal);
  const next = limiter.acquire();
  t.equal(limiter.pending, 2);
  controller.abort(new Error('stop'));
  await t.rejects(aborted, { message: 'stop' });
  t.equal(limiter.pending, 1);
  await next;
  t.equal(limiter.pending, 0);
});

t.test('no timer is left behind once the limiter is idle', async (t) => {
  const before = activeTimers();
  const limiter = new RateLimiter({ limit: 4, windowMs: 80 });
  const done = Promise.all(Array.from({ length: 6 }, () => limiter.acquire()));
  t.ok(activeTimers() > before, 'a timer runs while requests wait');
  await done;
  t.equal(activeTimers(), before, 'no timer after the last grant');
});

t.test('a non-positive limit is a configuration error', async (t) => {
  t.throws(() => new RateLimiter({ limit: 0 }), { code: 'CONFIG_INVALID' });
});
