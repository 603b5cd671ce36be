/**
 * mulberry32: a tiny, seedable PRNG. The simulators' `probability` fault rules, the
 * soak's fault mix and the benchmark's generated wiki all draw from it, so a run
 * replays identically from its seed.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let x = state;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}
