/**
 * The helpers pipeline.ts lifts stages with: bounded concurrency with back-pressure,
 * and the stop guard that ends a leg at its head.
 */
import highland from 'highland';
import t from 'tap';
import { collect, eachItem, eachItemAsync, eachItemFlat, eachWithLimit, mergeLegs } from '../../src/streams.js';

/** A promise plus its resolver, to finish work items by hand. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await new Promise((resolve) => setImmediate(resolve));
}

t.test('eachWithLimit keeps at most `limit` items in flight and pulls the next only when a slot is free', async (t) => {
  const pulled: number[] = [];
  const source = highland([1, 2, 3, 4, 5, 6]).tap((n) => pulled.push(n));
  const gates = new Map<number, ReturnType<typeof gate>>();
  const started: number[] = [];
  const done = eachWithLimit(source, 2, (n) => {
    started.push(n);
    const g = gate();
    gates.set(n, g);
    return g.promise;
  });
  await settle();
  t.same(started, [1, 2], 'two in flight');
  t.same(pulled, [1, 2], 'nothing pulled ahead of a free slot');
  gates.get(2)!.open();
  await settle();
  t.same(started, [1, 2, 3], 'a finished item frees its slot for the next');
  // Let everything through: open each gate as its item starts.
  while (started.length < 6) {
    for (const g of gates.values()) g.open();
    await settle();
  }
  for (const g of gates.values()) g.open();
  await done;
  t.same(started, [1, 2, 3, 4, 5, 6], 'started in stream order');
});

t.test('eachWithLimit pulls nothing more once stopped, and resolves when the items in flight are done', async (t) => {
  const controller = new AbortController();
  const pulled: number[] = [];
  const source = highland([1, 2, 3, 4, 5]).tap((n) => pulled.push(n));
  const first = gate();
  let finished = 0;
  const done = eachWithLimit(
    source,
    1,
    async (n) => {
      if (n === 1) await first.promise;
      finished += 1;
    },
    controller.signal,
  );
  await settle();
  controller.abort();
  first.open();
  await done;
  t.equal(finished, 1, 'the item in flight finished');
  t.ok(pulled.length <= 2, `nothing was pulled after the stop beyond the item that revealed it (${pulled.join(',')})`);
});

t.test('eachWithLimit rejects with the source error or a failed item', async (t) => {
  await t.rejects(eachWithLimit(highland<number>((push) => push(new Error('listing failed'))), 2, async () => undefined), { message: 'listing failed' });
  await t.rejects(eachWithLimit(highland([1, 2]), 2, async (n) => { if (n === 2) throw new Error('bad item'); }), { message: 'bad item' });
});

t.test('a per-item stage takes no item once stopped', async (t) => {
  const controller = new AbortController();
  const seen: number[] = [];
  const out = await collect(
    highland([1, 2, 3, 4]).through(
      eachItem((n: number) => {
        seen.push(n);
        if (n === 2) controller.abort();
        return n * 10;
      }, controller.signal),
    ),
  );
  t.same(out, [10, 20]);
  t.same(seen, [1, 2], 'item 3 never entered the stage');
});

t.test('a flattening per-item stage passes each item\'s results on in order, an item\'s error as a stream error, and takes nothing once stopped', async (t) => {
  const out = await collect(highland([1, 2, 3]).through(eachItemFlat((n: number) => Array.from({ length: n }, (_, i) => `${n}.${i}`))));
  t.same(out, ['1.0', '2.0', '2.1', '3.0', '3.1', '3.2'], 'one item in, its results out, none for an empty list');
  const errors: string[] = [];
  const kept = await new Promise<number[]>((resolve) =>
    highland([1, 2, 3])
      .through(eachItemFlat((n: number) => {
        if (n === 2) throw new Error('bad item');
        return [n];
      }))
      .errors((error) => void errors.push(error.message))
      .toArray(resolve),
  );
  t.same(kept, [1, 3], 'the stream goes on after a failed item');
  t.same(errors, ['bad item']);
  const controller = new AbortController();
  const stopped = await collect(highland([1, 2, 3]).through(eachItemFlat((n: number) => (n === 2 ? (controller.abort(), [n, n]) : [n]), controller.signal)));
  t.same(stopped, [1, 2, 2], 'nothing after the stop');
});

t.test('an asynchronous per-item stage keeps order and its concurrency bound', async (t) => {
  let inFlight = 0;
  let peak = 0;
  const out = await collect(
    highland([30, 5, 20, 1]).through(
      eachItemAsync(async (ms: number) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight -= 1;
        return ms;
      }, 2),
    ),
  );
  t.same(out, [30, 5, 20, 1]);
  t.equal(peak, 2);
});

t.test('two legs merge into one stream with every item of both, neither starving the other', async (t) => {
  const out = await collect(mergeLegs(highland(['p1', 'p2', 'p3']), highland([1, 2, 3])));
  t.same([...out].map(String).sort(), ['1', '2', '3', 'p1', 'p2', 'p3']);
  t.same(out.slice(0, 2).map((x) => typeof x).sort(), ['number', 'string'], 'taken in turns');
});

t.test('a merged leg is read no further ahead than one item', async (t) => {
  const pulled: number[] = [];
  const merged = mergeLegs(highland([1, 2, 3, 4, 5]).tap((n) => pulled.push(n)), highland<string>([]));
  const first = await new Promise((resolve) => merged.pull((_error, x) => resolve(x)));
  await settle();
  t.equal(first, 1);
  t.ok(pulled.length <= 2, `one taken, at most one held (${pulled.join(',')})`);
});

t.test('a merged leg prepares its next item only after the taker has run, not inside the take', async (t) => {
  const events: string[] = [];
  const leg = highland([1, 2, 3]).map((n) => {
    events.push(`prepared ${n}`);
    return n;
  });
  const merged = mergeLegs(leg, highland<number>([]));
  await settle();
  t.same(events, ['prepared 1'], 'one item held');
  await new Promise<void>((resolve) =>
    merged.pull((_error, item) => {
      events.push(`taken ${String(item)}`);
      resolve();
    }),
  );
  t.same(events, ['prepared 1', 'taken 1'], 'the take did not prepare the next item on its way');
  await settle();
  t.same(events, ['prepared 1', 'taken 1', 'prepared 2'], 'prepared once the I/O waiting had its turn');
});

t.test('an error of one leg reaches the merged stream, and the rest still flows', async (t) => {
  const failing = highland<number>((push) => {
    push(new Error('leg failed'));
    push(null, 7);
    push(null, highland.nil);
  });
  const seen: unknown[] = [];
  await new Promise<void>((resolve) =>
    mergeLegs(failing, highland(['a']))
      .errors((error) => seen.push((error as Error).message))
      .each((x) => void seen.push(x))
      .done(resolve),
  );
  t.same([...seen].map(String).sort(), ['7', 'a', 'leg failed']);
});
