/**
 * The retry loop of one request. Most requests succeed at once, so the first attempt
 * runs bare; only a retryable failure hands the request to p-retry (a per-request
 * p-retry wrapper, with its options, closures and validation, cost more than the rest
 * of the client's own work on the hot path). The waits are ours (Retry-After, jitter,
 * computed by the attempt); p-retry only counts.
 */
import pRetry from 'p-retry';
import type { ConnectorError } from '../errors.js';
import type { Clock } from './clock.js';
import { waitMs } from './retry-policy.js';

/** Thrown by an attempt: a retryable failure and the wait before the next attempt. */
export class RetryableFailure {
  constructor(
    readonly error: ConnectorError,
    readonly delayMs: number,
  ) {}
}

/** Thrown by an attempt: a failure that ends the request at once, whatever retries are left. */
export class FinalFailure {
  constructor(readonly error: ConnectorError) {}
}

/**
 * p-retry takes only Errors; the two failures above are plain objects (no stack
 * captured on the hot path), so on the retry path they travel wrapped in this.
 */
class AttemptFailure extends Error {
  constructor(readonly failure: unknown) {
    super('attempt failed');
  }
}

export interface RetryLoopOptions {
  /** Retries after the first attempt. */
  retries: number;
  signal?: AbortSignal;
  /** On the injected clock only when one was given: the system clock's timers are unref'd. */
  clock?: Pick<Clock, 'setTimeout' | 'clearTimeout'>;
}

/**
 * Runs `attempt(1)`, then, while it throws a RetryableFailure and retries are left,
 * waits its delay and runs the next. Anything else (a FinalFailure, an auth provider's
 * failure) ends the loop at once; what was thrown last is thrown as it is.
 */
export async function runWithRetries<T>(attempt: (attemptNumber: number) => Promise<T>, options: RetryLoopOptions): Promise<T> {
  let first: RetryableFailure;
  try {
    return await attempt(1);
  } catch (error) {
    if (!(error instanceof RetryableFailure) || options.retries < 1) throw error;
    first = error;
  }
  await waitMs(first.delayMs, options.signal, options.clock);
  try {
    return await pRetry(
      async (retryNumber) => {
        try {
          return await attempt(retryNumber + 1);
        } catch (error) {
          throw error instanceof Error ? error : new AttemptFailure(error);
        }
      },
      {
        retries: options.retries - 1,
        minTimeout: 0,
        shouldRetry: async ({ error }) => {
          const failure = error instanceof AttemptFailure ? error.failure : error;
          if (!(failure instanceof RetryableFailure)) return false;
          await waitMs(failure.delayMs, options.signal, options.clock);
          return true;
        },
        ...(options.signal ? { signal: options.signal } : {}),
      },
    );
  } catch (error) {
    throw error instanceof AttemptFailure ? error.failure : error;
  }
}
