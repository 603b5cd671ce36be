/**
 * A sorted array of strings: prefix ranges are found by binary search, so listing or
 * counting `key startsWith` over 20,000 contents costs O(log n + page) per query
 * instead of a scan. Insert and remove splice (a memmove, cheap at this size).
 */
export class SortedKeys {
  private readonly keys: string[] = [];

  get size(): number {
    return this.keys.length;
  }

  /** First index whose key is >= `key`. */
  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  insert(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  remove(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** [start, end) of the keys starting with `prefix`; they are contiguous in sort order. */
  prefixRange(prefix: string): [number, number] {
    const start = this.lowerBound(prefix);
    let lo = start;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]!.startsWith(prefix)) lo = mid + 1;
      else hi = mid;
    }
    return [start, lo];
  }

  slice(start: number, end: number): string[] {
    return this.keys.slice(start, end);
  }

  all(): readonly string[] {
    return this.keys;
  }
}
