/**
 * The limits of one request attempt that idle timeouts cannot give. undici's body
 * timeout restarts on every byte, so a server trickling one byte a second holds a
 * request (and a cycle) forever. Here every attempt has a total deadline, a body must
 * keep a minimum throughput while it waits on the server, and a body can be capped in
 * bytes, counted as they arrive rather than after they were buffered.
 *
 * The deadline is `totalMs` plus the time the throughput floor allows for the bytes
 * known to travel (the request body, and a response's declared size up to its cap):
 * a 200 MB download gets the time 200 MB take at the floor, a JSON answer of unknown
 * size gets `totalMs`.
 */
import { EventEmitter } from 'node:events';
import { Transform, finished, type Readable } from 'node:stream';
import type { Clock } from './clock.js';

export const DEADLINE_EXCEEDED = 'CFC_DEADLINE_EXCEEDED';
export const BODY_TOO_SLOW = 'CFC_BODY_TOO_SLOW';

export interface TransferLimits {
  /** Deadline of an attempt whose sizes are unknown, from sending to the end of its body. */
  totalMs: number;
  /** The throughput floor of a body while it waits on the server. */
  minBytesPerSecond: number;
  /** How long a body may stay below the floor before it fails. */
  throughputWindowMs: number;
}

/** A transfer that broke a limit; `code` works like undici's timeout codes for the retry policy. */
export class TransferError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'TransferError';
  }
}

export interface WatchOptions {
  /** More bytes than this fail the body with `tooLarge()`. */
  maxBytes?: number;
  tooLarge: (maxBytes: number) => Error;
  /** Turns the guard's own failure into the error the reader sees. */
  toError: (failure: TransferError) => Error;
}

/**
 * The abort signal of one attempt, in the EventEmitter form undici accepts: an
 * AbortController per request attempt cost more than the rest of the guard.
 */
export class AttemptSignal extends EventEmitter {
  aborted = false;
  reason: unknown = undefined;

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.emit('abort');
  }
}

/** One attempt's deadline and body watch. Dispose it when the attempt's body is done. */
export class AttemptGuard {
  readonly #controller = new AttemptSignal();
  readonly #clock: Clock;
  readonly #limits: TransferLimits;
  readonly #startedAt: number;
  #budgetMs: number;
  #timer: unknown;
  #failure: TransferError | undefined;
  #onFailure: ((failure: TransferError) => void) | undefined;
  #detachOuter: (() => void) | undefined;
  #disposed = false;

  constructor(limits: TransferLimits, clock: Clock, outer: AbortSignal | undefined, knownBytes: number) {
    this.#limits = limits;
    this.#clock = clock;
    this.#startedAt = clock.now();
    this.#budgetMs = limits.totalMs + this.#floorMs(knownBytes);
    if (outer?.aborted) this.#controller.abort(outer.reason);
    else if (outer) {
      const onAbort = (): void => this.#controller.abort(outer.reason);
      outer.addEventListener('abort', onAbort, { once: true });
      this.#detachOuter = () => outer.removeEventListener('abort', onAbort);
    }
    this.#arm();
  }

  /** Aborted by the caller's signal or by this guard's failure. */
  get signal(): AttemptSignal {
    return this.#controller;
  }

  /** The guard's own failure (deadline or throughput), once it fired. */
  get failure(): TransferError | undefined {
    return this.#failure;
  }

  /** A response declared its size: the deadline grows by what the floor allows for it. */
  allowBytes(bytes: number): void {
    if (!Number.isFinite(bytes) || bytes <= 0 || this.#disposed) return;
    this.#budgetMs += this.#floorMs(bytes);
    this.#arm();
  }

  /**
   * The body to read instead of `body`: counted against `maxBytes` and the throughput
   * floor as it streams. Reading it to the end, or destroying it, ends the attempt.
   */
  watchBody(body: Readable, options: WatchOptions): Readable {
    let total = 0;
    const monitor: Transform = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        total += chunk.length;
        meter.add(chunk.length);
        if (options.maxBytes !== undefined && total > options.maxBytes) return callback(options.tooLarge(options.maxBytes));
        callback(null, chunk);
      },
    });
    // A full buffer means the reader is slow (an upload taking the bytes), not the server.
    const meter = this.#meter(() => monitor.readableLength >= monitor.readableHighWaterMark);
    this.#onFailure = (failure) => monitor.destroy(options.toError(failure));
    // Wired by hand rather than with stream.pipeline: pipeline builds an AbortController
    // per call and aborts it at the end, and that DOMException (with its stack trace) cost
    // more than anything else the client did per request. Same wiring: errors travel both
    // ways, a body that closes early fails the reader, and the guard ends with the monitor.
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      meter.stop();
      this.dispose();
      if (!body.destroyed) body.destroy();
    };
    finished(body, (error) => {
      if (error) monitor.destroy(error);
    });
    monitor.once('finish', end);
    monitor.once('close', end);
    body.pipe(monitor);
    return monitor;
  }

  /**
   * Reads a whole body as text under the same limits as `watchBody` (`maxBytes`, the
   * throughput floor, the deadline), without a stream stage in between: for the small
   * JSON answers read inside an attempt, where a Transform, a pipe and an async iterator
   * per answer cost more than the answer itself. Rejects with the error a watched body
   * would have failed with.
   */
  readText(body: Readable, options: WatchOptions): Promise<string> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let total = 0;
      // The reader here takes every byte at once: any slowness is the server's.
      const meter = this.#meter(() => false);
      let settled = false;
      const settle = (error: unknown, text?: string): void => {
        if (settled) return;
        settled = true;
        meter.stop();
        body.off('data', onData);
        if (error === undefined) resolve(text!);
        else {
          if (!body.destroyed) body.destroy();
          reject(error);
        }
      };
      const onData = (chunk: Buffer): void => {
        total += chunk.length;
        meter.add(chunk.length);
        if (options.maxBytes !== undefined && total > options.maxBytes) settle(options.tooLarge(options.maxBytes));
        else chunks.push(chunk);
      };
      this.#onFailure = (failure) => settle(options.toError(failure));
      body.on('data', onData);
      body.once('end', () => settle(undefined, (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)).toString('utf8')));
      body.once('error', (error) => settle(error));
      // Plain listeners rather than stream.finished, which cost as much again per answer.
      // A close without 'end' or 'error' (rare: undici reports a lost connection as an
      // error) still fails the read; checked first, so no error is built after a success.
      body.once('close', () => {
        if (!settled) settle(new Error('the response body closed before its end'));
      });
    });
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#clearTimer();
    this.#detachOuter?.();
  }

  /**
   * The throughput floor of one body: bytes are added as they arrive, and every quarter
   * window the rate since the window began is checked (the guard fails below the floor).
   * `readerFull()` true means a slow reader holds the bytes back: the window restarts.
   */
  #meter(readerFull: () => boolean): { add(bytes: number): void; stop(): void } {
    const { minBytesPerSecond, throughputWindowMs } = this.#limits;
    const clock = this.#clock;
    let windowStart = clock.now();
    let windowBytes = 0;
    let tick: unknown;
    const check = (): void => {
      tick = undefined;
      if (this.#failure || this.#disposed) return;
      const now = clock.now();
      if (readerFull()) {
        windowStart = now;
        windowBytes = 0;
      } else if (now - windowStart >= throughputWindowMs) {
        const floor = (minBytesPerSecond * (now - windowStart)) / 1000;
        if (windowBytes < floor) {
          this.#fail(new TransferError(BODY_TOO_SLOW, `body below ${minBytesPerSecond} bytes/s for ${Math.round(now - windowStart)} ms (${windowBytes} bytes)`));
          return;
        }
        windowStart = now;
        windowBytes = 0;
      }
      tick = clock.setTimeout(check, Math.max(1, throughputWindowMs / 4));
    };
    tick = clock.setTimeout(check, Math.max(1, throughputWindowMs / 4));
    return {
      add: (bytes) => {
        windowBytes += bytes;
      },
      stop: () => {
        if (tick !== undefined) clock.clearTimeout(tick);
        tick = undefined;
      },
    };
  }

  #fail(failure: TransferError): void {
    if (this.#failure || this.#disposed) return;
    this.#failure = failure;
    this.#clearTimer();
    // The watched body fails with the guard's own error before the abort reaches undici.
    this.#onFailure?.(failure);
    this.#controller.abort(failure);
  }

  #arm(): void {
    this.#clearTimer();
    const remaining = this.#startedAt + this.#budgetMs - this.#clock.now();
    this.#timer = this.#clock.setTimeout(
      () => this.#fail(new TransferError(DEADLINE_EXCEEDED, `no complete answer within ${Math.round(this.#budgetMs)} ms`)),
      Math.max(0, remaining),
    );
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #floorMs(bytes: number): number {
    return (bytes * 1000) / this.#limits.minBytesPerSecond;
  }
}
