/**
 * Fault injection (contract §10). Rules are checked in the order they were added; a
 * firing latency-only rule adds its delay and lets later rules run, the first firing
 * rule with a status or reset decides the answer and stops the evaluation.
 */
import type { FaultRule } from './types.js';
import { seededRandom } from '../seeded-random.js';

interface RuleState { rule: FaultRule; seen: number; fired: number }

export interface FaultDecision {
  latencyMs: number;
  /** The rule that replaces or cuts the normal answer, if any. */
  terminal?: FaultRule;
}

function matches(rule: FaultRule, method: string, path: string, query: URLSearchParams): boolean {
  if (rule.method !== undefined && rule.method.toUpperCase() !== method) return false;
  if (rule.when !== undefined && !rule.when({ path, query })) return false;
  if (rule.path === undefined) return true;
  if (typeof rule.path === 'string') return rule.path === path;
  rule.path.lastIndex = 0;
  return rule.path.test(path);
}

const isTerminal = (rule: FaultRule): boolean =>
  rule.status !== undefined || rule.reset === true || rule.resetMidBody === true || rule.emptyPage === true || rule.trickle !== undefined;

export class FaultInjector {
  private rules: RuleState[] = [];
  private readonly random: () => number;

  constructor(seed = 1) {
    this.random = seededRandom(seed);
  }

  add(rule: FaultRule): void {
    this.rules.push({ rule, seen: 0, fired: 0 });
  }

  clear(): void {
    this.rules = [];
  }

  decide(method: string, path: string, query = new URLSearchParams()): FaultDecision {
    const decision: FaultDecision = { latencyMs: 0 };
    for (const state of this.rules) {
      const { rule } = state;
      if (!matches(rule, method, path, query)) continue;
      state.seen++;
      if (!this.fires(state)) continue;
      state.fired++;
      decision.latencyMs += rule.latencyMs ?? 0;
      if (isTerminal(rule)) {
        decision.terminal = rule;
        break;
      }
    }
    return decision;
  }

  private fires(state: RuleState): boolean {
    const { rule } = state;
    if (rule.times !== undefined && state.fired >= rule.times) return false;
    const counted = state.seen - (rule.after ?? 0);
    if (counted <= 0) return false;
    if (rule.every !== undefined && counted % rule.every !== 0) return false;
    if (rule.probability !== undefined && this.random() >= rule.probability) return false;
    return true;
  }
}

/** Headers Cloud sends with a 429 (contract §10), for fault rules and strict mode. */
export function cloudRateLimitHeaders(retryAfterSeconds: number, limit = 100, now = Date.now()): Record<string, string> {
  return {
    'retry-after': String(retryAfterSeconds),
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-reset': new Date(now + retryAfterSeconds * 1000).toISOString(),
    'x-ratelimit-nearlimit': 'true',
    'ratelimit-reason': 'confluence-quota-based',
  };
}

/** DC's admin rate-limiting headers (contract §10). */
export function dataCenterRateLimitHeaders(retryAfterSeconds: number, limit = 100): Record<string, string> {
  return {
    'retry-after': String(retryAfterSeconds),
    'x-ratelimit-limit': String(limit),
    'x-ratelimit-remaining': '0',
    'x-ratelimit-interval-seconds': '60',
    'x-ratelimit-fillrate': String(limit),
  };
}

export { SlidingWindowLimit } from '../sliding-window.js';
