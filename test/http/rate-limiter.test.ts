/**
 * The limiter on a manual clock: every figure is exact and no test waits for real time.
 */
import t from 'tap';
import { RateLimiter, type LimiterClock } from '../../src/http/rate-limiter.js';

/** A clock that moves only when told to, running the timers that fall due on the way. */
class ManualClock implements LimiterClock {
  #now = 0;
  #timers = new Map<number, { at: number; run: () => void }>();
  #nextId = 1;

  now(): number {
    return this.#now;
  }

  setTimer(run: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { at: this.#now + ms, run });
    return id;
  }

  clearTimer(timer: unknown): void {
    this.#timers.delete(timer as number);
  }

  get timers(): number {
    return this.#timers.size;
  }

  /** Moves to `to`, firing due timers in time order and letting their promise callbacks run. */
  async advanceTo(to: number): Promise<void> {
    // Callbacks of what was granted before the move see the time it was granted at.
    await settle();
    for (;;) {
      const due = [...this.#timers.entries()].filter(([, timer]) => timer.at <= to).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#now = Math.max(this.#now, due[1].at);
      due[1].run();
      await settle();
    }
    this.#now = Math.max(this.#now, to);
    await settle();
  }

  /** Runs every timer until none is left (all waiters served). */
  async runAll(): Promise<void> {
    while (this.#timers.size > 0) await this.advanceTo(Math.min(...[...this.#timers.values()].map((timer) => timer.at)));
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i += 1) await Promise.resolve();
}

/** Acquires `count` slots at the current time; each start is recorded at the clock time it was granted. */
function acquireMany(limiter: RateLimiter, clock: ManualClock, count: number, starts: number[]): Promise<unknown> {
  return Promise.all(Array.from({ length: count }, () => limiter.acquire().then(() => starts.push(clock.now()))));
}

/** The most starts inside any window of `windowMs` (a start at `s` counts in [s, s + windowMs)). */
function mostInAnyWindow(starts: readonly number[], windowMs: number): number {
  let most = 0;
  for (let i = 0, j = 0; i < starts.length; i += 1) {
    while (starts[i]! - starts[j]! >= windowMs) j += 1;
    most = Math.max(most, i - j + 1);
  }
  return most;
}

t.test('a burst below the limit starts at once, without any spacing', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ limit: 600, windowMs: 60_000, clock });
  const waits = await Promise.all(Array.from({ length: 599 }, () => limiter.acquire()));
  t.ok(waits.every((wait) => wait === 0), 'all 599 requests start without waiting');
  t.equal(clock.now(), 0, 'no time passed');
  t.equal(clock.timers, 0, 'no timer was needed');
});

t.test('never more than the limit in any window: the next burst waits for the window (plus the transit margin)', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ limit: 5, windowMs: 1000, clock });
  const starts: number[] = [];
  const done = acquireMany(limiter, clock, 12, starts);
  await settle();
  t.same(starts, [0, 0, 0, 0, 0], 'the first five start together');
  t.equal(limiter.pending, 7);
  await clock.advanceTo(1019);
  t.equal(starts.length, 5, 'nobody starts before one window plus 2 %');
  await clock.advanceTo(1020);
  t.equal(starts.length, 10, 'the next five start together once the first ones left the window');
  await clock.runAll();
  await done;
  t.same(starts.slice(10), [2040, 2040]);
  t.equal(mostInAnyWindow(starts, 1000), 5);
  t.equal(mostInAnyWindow(starts, 1020), 5, 'the transit margin holds as well');
});

t.test('a sustained load runs at 95 % of the limit or more', async (t) => {
  const clock = new ManualClock();
  const limit = 100;
  const windowMs = 60_000;
  const limiter = new RateLimiter({ limit, windowMs, clock });
  const starts: number[] = [];
  // Requests keep arriving at twice the limit for ten windows: the limiter is the bottleneck throughout.
  const arrivals: Promise<unknown>[] = [];
  const gap = windowMs / (2 * limit);
  for (let at = 0; at < 10 * windowMs; at += gap) {
    await clock.advanceTo(at);
    arrivals.push(limiter.acquire().then(() => starts.push(clock.now())));
  }
  await clock.advanceTo(10 * windowMs);
  const rate = starts.length / (clock.now() / windowMs);
  t.ok(rate >= 0.95 * limit, `${rate.toFixed(1)} starts a window, limit ${limit}`);
  t.ok(mostInAnyWindow(starts, windowMs) <= limit, 'and never above the limit');
  await clock.runAll();
  await Promise.all(arrivals);
  t.equal(starts.length, arrivals.length, 'every request eventually started');
});

t.test('a server counting arrivals over the same sliding window never sees more than the limit', async (t) => {
  // Arrivals lag starts by a transit time that varies between requests (here up to 1.5 % of
  // the window): the margin absorbs the difference, so a strict server never answers 429.
  const clock = new ManualClock();
  const limit = 20;
  const windowMs = 2000;
  const limiter = new RateLimiter({ limit, windowMs, clock });
  const arrivals: number[] = [];
  let n = 0;
  const transit = () => ((n++ * 7) % 11) * (0.015 * windowMs / 10);
  const done = Promise.all(Array.from({ length: 200 }, () => limiter.acquire().then(() => arrivals.push(clock.now() + transit()))));
  await clock.runAll();
  await done;
  arrivals.sort((a, b) => a - b);
  t.equal(arrivals.length, 200);
  t.ok(mostInAnyWindow(arrivals, windowMs) <= limit, `at most ${limit} arrivals in any window (saw ${mostInAnyWindow(arrivals, windowMs)})`);
});

t.test('waiting requests are served first in, first out', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ limit: 2, windowMs: 100, clock });
  const order: number[] = [];
  const done = Promise.all(Array.from({ length: 8 }, (_, i) => limiter.acquire().then(() => order.push(i))));
  await clock.runAll();
  await done;
  t.same(order, [0, 1, 2, 3, 4, 5, 6, 7]);
});

t.test('an aborted wait leaves the queue and rejects with the reason; an aborted signal never queues', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ limit: 1, windowMs: 200, clock });
  await limiter.acquire();
  const controller = new AbortController();
  const aborted = limiter.acquire(controller.signal);
  const next = limiter.acquire();
  t.equal(limiter.pending, 2);
  controller.abort(new Error('stop'));
  await t.rejects(aborted, { message: 'stop' });
  t.equal(limiter.pending, 1);
  await t.rejects(limiter.acquire(controller.signal), { message: 'stop' }, 'an already aborted signal is refused at once');
  t.equal(limiter.pending, 1);
  await clock.runAll();
  t.equal(await next, 204, 'the next waiter took the slot the aborted one left');
  t.equal(limiter.pending, 0);
});

t.test('aborting the only waiter clears the timer, and no timer is left once the limiter is idle', async (t) => {
  const clock = new ManualClock();
  const limiter = new RateLimiter({ limit: 1, windowMs: 500, clock });
  await limiter.acquire();
  const controller = new AbortController();
  const waiting = limiter.acquire(controller.signal);
  t.equal(clock.timers, 1, 'a timer runs while a request waits');
  controller.abort(new Error('stop'));
  await t.rejects(waiting);
  t.equal(clock.timers, 0, 'cleared with the last waiter');
  const done = Promise.all([limiter.acquire(), limiter.acquire()]);
  await clock.runAll();
  await done;
  t.equal(clock.timers, 0, 'no timer after the last grant');
});

t.test('the default clock leaves no timer behind once idle', async (t) => {
  const active = () => process.getActiveResourcesInfo().filter((name) => name === 'Timeout').length;
  const before = active();
  const limiter = new RateLimiter({ limit: 1, windowMs: 5 });
  const done = Promise.all([limiter.acquire(), limiter.acquire()]);
  t.ok(active() > before, 'a real timer runs while a request waits');
  await done;
  t.equal(active(), before);
});

t.test('a non-positive limit is a configuration error', async (t) => {
  t.throws(() => new RateLimiter({ limit: 0 }), { code: 'CONFIG_INVALID' });
});
