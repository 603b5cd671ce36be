/**
 * Fault injection: rules match by path, GraphQL root field and predicate, and fire
 * according to after/every/times/probability. The PRNG is seeded so a flaky-looking
 * scenario replays identically.
 */
import type { FaultRequest, FaultRule } from './types.js';
import { seededRandom } from '../seeded-random.js';

interface ActiveRule {
  rule: FaultRule;
  matched: number;
  fired: number;
}

function pathMatches(pattern: string | RegExp, path: string): boolean {
  if (typeof pattern !== 'string') return pattern.test(path);
  return path === pattern || path.endsWith(pattern.startsWith('/') ? pattern : `/${pattern}`);
}

export class Faults {
  private rules: ActiveRule[] = [];
  private readonly random: () => number;

  constructor(seed: number) {
    this.random = seededRandom(seed);
  }

  add(rule: FaultRule): void {
    this.rules.push({ rule, matched: 0, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  /** The rules that fire for this request, in the order they were added. */
  match(request: FaultRequest): FaultRule[] {
    const firing: FaultRule[] = [];
    for (const active of this.rules) {
      const { rule } = active;
      if (rule.path !== undefined && !pathMatches(rule.path, request.path)) continue;
      if (rule.operation !== undefined && rule.operation !== request.operation) continue;
      if (rule.when && !rule.when(request)) continue;
      active.matched += 1;
      const counted = active.matched - (rule.after ?? 0);
      if (counted <= 0) continue;
      if (rule.every !== undefined && counted % rule.every !== 0) continue;
      if (rule.times !== undefined && active.fired >= rule.times) continue;
      if (rule.probability !== undefined && this.random() >= rule.probability) continue;
      active.fired += 1;
      firing.push(rule);
    }
    return firing;
  }
}
