import { isReplayable } from './redirects.js';
import { retryPlan, type RetryPlan } from './retry-policy.js';
import type { HttpMethod, HttpRequest, RetryOptions } from './types.js';

/** Retry plans of one `retry` option: per method, for a replayable and for a streamed body. */
type PlansByMethod = Partial<Record<HttpMethod, [RetryPlan | undefined, RetryPlan | undefined]>>;

/**
 * A client's retry plans, each built once per distinct (retry option, method, body
 * kind): callers pass the same few retry options (true, false, a constant object) for
 * every request, and building a plan merges and filters three objects.
 */
export class RetryPlans {
  readonly #clientDefaults: Partial<RetryOptions> | undefined;
  readonly #byValue = new Map<HttpRequest['retry'], PlansByMethod>();
  // Objects in a WeakMap: a caller building a fresh retry object per request leaks nothing.
  readonly #byObject = new WeakMap<Partial<RetryOptions>, PlansByMethod>();

  constructor(clientDefaults: Partial<RetryOptions> | undefined) {
    this.#clientDefaults = clientDefaults;
  }

  of(req: HttpRequest): RetryPlan {
    const streamed = !isReplayable(req.body);
    const requested = req.retry;
    const plans = typeof requested === 'object' ? this.#byObject : this.#byValue;
    let byMethod = plans.get(requested as Partial<RetryOptions>);
    if (byMethod === undefined) plans.set(requested as Partial<RetryOptions>, (byMethod = {}));
    const pair = (byMethod[req.method] ??= [undefined, undefined]);
    return (pair[streamed ? 1 : 0] ??= retryPlan(req.method, requested, this.#clientDefaults, streamed));
  }
}
