/**
 * How `pipeline.ts` lifts stages into highland: a per-item function becomes a stream
 * stage, with bounded concurrency where it does I/O, and a stop guard at its head so
 * that after a stop request no item enters it. Not a stage itself; stages may use the
 * guard for their own batches.
 */
import highland from 'highland';

/**
 * Passes items on until `signal` aborts, then ends the stream at the next item without
 * pulling any further from upstream, so no work upstream is asked for either.
 */
export function untilStopped<T>(signal: AbortSignal | undefined): (stream: Highland.Stream<T>) => Highland.Stream<T> {
  if (signal === undefined) return (stream) => stream;
  return (stream) =>
    stream.consume<T>((error, item, push, next) => {
      if (error) {
        push(error);
        next();
      } else if (item === highland.nil || signal.aborted) {
        push(null, highland.nil);
      } else {
        push(null, item as T);
        next();
      }
    });
}

/** A synchronous per-item stage; nothing enters it after a stop. */
export function eachItem<A, B>(run: (item: A) => B, signal?: AbortSignal): (stream: Highland.Stream<A>) => Highland.Stream<B> {
  return eachItemFlat((item: A) => [run(item)], signal);
}

/**
 * A synchronous stage that turns each item into any number (a page into the page and
 * its attachment records), pushed one by one from one consumer: a `map(…).sequence()`
 * builds a stream for every item, tens of milliseconds on a 2000-page discovery.
 * Nothing enters it after a stop.
 */
export function eachItemFlat<A, B>(run: (item: A) => readonly B[], signal?: AbortSignal): (stream: Highland.Stream<A>) => Highland.Stream<B> {
  return (stream) =>
    stream.consume<B>((error, item, push, next) => {
      if (error) {
        push(error);
        next();
      } else if (item === highland.nil || signal?.aborted === true) {
        push(null, highland.nil);
      } else {
        let results: readonly B[];
        try {
          results = run(item as A);
        } catch (caught) {
          push(caught instanceof Error ? caught : new Error(String(caught)));
          next();
          return;
        }
        for (const result of results) push(null, result);
        next();
      }
    });
}

/** An asynchronous per-item stage, `concurrency` items in flight, output in input order; nothing starts after a stop. */
export function eachItemAsync<A, B>(run: (item: A) => Promise<B>, concurrency: number, signal?: AbortSignal): (stream: Highland.Stream<A>) => Highland.Stream<B> {
  return (stream) =>
    stream
      .through(untilStopped(signal))
      .map((item) => highland(run(item)))
      .parallel(concurrency);
}

/**
 * Two legs as one stream, items in whatever order they are ready. Each leg is read by
 * one long-lived consumer that holds at most one item until the merged stream takes it,
 * so both legs stay back-pressured. (highland's `merge` creates a consumer for every
 * item it pulls, a cost paid once per page and attachment.) A leg is asked for its next
 * item in the event loop's next check phase, not inside the take: preparing it (a page's
 * conversion) would otherwise delay the request of the item just taken and every
 * response already waiting.
 */
export function mergeLegs<A, B>(a: Highland.Stream<A>, b: Highland.Stream<B>): Highland.Stream<A | B> {
  interface Leg {
    held: { item: A | B } | undefined;
    error: Error | undefined;
    ended: boolean;
    /** Asks the leg for its next item; set while an item (or error) is held. */
    resume: (() => void) | undefined;
  }
  const legs: Leg[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const waiting = wake;
    wake = undefined;
    waiting?.();
  };
  let turn = 0;
  const merged = highland<A | B>((push, next) => {
    for (let i = 0; i < legs.length; i += 1) {
      // Round robin, so a leg that is always ready cannot starve the other.
      const leg = legs[(turn + i) % legs.length]!;
      if (leg.error === undefined && leg.held === undefined) continue;
      turn = (turn + i + 1) % legs.length;
      const { error, held } = leg;
      leg.error = undefined;
      leg.held = undefined;
      const resume = leg.resume;
      leg.resume = undefined;
      if (error) push(error);
      else push(null, held!.item);
      next();
      // The leg's next item is prepared (a page converted) after the I/O callbacks
      // waiting now: the item just taken has gone out, and no response waits on it.
      if (resume !== undefined) setImmediate(resume);
      return;
    }
    if (legs.every((leg) => leg.ended)) return push(null, highland.nil);
    wake = next;
  });
  for (const source of [a, b] as Highland.Stream<A | B>[]) {
    const leg: Leg = { held: undefined, error: undefined, ended: false, resume: undefined };
    legs.push(leg);
    source
      .consume<never>((error, item, _push, next) => {
        if (error) {
          leg.error = error;
          leg.resume = next;
        } else if (item === highland.nil) {
          leg.ended = true;
        } else {
          leg.held = { item: item as A | B };
          leg.resume = next;
        }
        notify();
      })
      .resume();
  }
  return merged;
}

/**
 * Runs `work` on every item, at most `limit` at a time, started in stream order, and
 * resolves once the stream ended and the last item is done (or rejects with the first
 * error). The next item is pulled only when a slot is free, so back-pressure reaches
 * the source; after `signal` aborts no further item is pulled, and the items in
 * flight finish. One consumer for the whole stream, no stream per item.
 */
export function eachWithLimit<T>(stream: Highland.Stream<T>, limit: number, work: (item: T) => Promise<void>, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let inFlight = 0;
    let ended = false;
    let failed = false;
    let pullWhenFree: (() => void) | undefined;
    const settle = () => {
      if (ended && inFlight === 0 && !failed) resolve();
    };
    const fail = (error: unknown) => {
      if (failed) return;
      failed = true;
      reject(error);
    };
    stream
      .consume<never>((error, item, _push, next) => {
        if (failed) return;
        if (error) return fail(error);
        if (item === highland.nil || signal?.aborted === true) {
          ended = true;
          return settle();
        }
        inFlight += 1;
        work(item as T).then(
          () => {
            inFlight -= 1;
            const pull = pullWhenFree;
            pullWhenFree = undefined;
            pull?.();
            settle();
          },
          fail,
        );
        if (inFlight < limit) next();
        else pullWhenFree = next;
      })
      .resume();
  });
}

/** The stream's items as an array, or its first error. */
export function collect<T>(stream: Highland.Stream<T>): Promise<T[]> {
  return new Promise((resolve, reject) => stream.collect().stopOnError(reject).each(resolve));
}
