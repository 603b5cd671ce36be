/**
 * The simulators' fixed latency: an answer leaves `latencyMs` after its request
 * arrived, the simulator's own work (parsing, the store, serialising) done inside that
 * time, as a real server's is, not added on top of it. A benchmark's latency floor
 * (calls × latency) is then what the simulators actually offer a client.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Milliseconds on the clock `untilAnswer` counts from. */
export const arrivalTime = (): number => performance.now();

/** Resolves `latencyMs` after `arrivedAt` (at once when that has passed or there is no latency). */
export function untilAnswer(arrivedAt: number, latencyMs: number): Promise<void> | undefined {
  if (latencyMs <= 0) return undefined;
  // Node timers count whole milliseconds: rounding keeps the mean on the latency.
  const remaining = Math.round(arrivedAt + latencyMs - performance.now());
  return remaining > 0 ? sleep(remaining).then(() => undefined) : undefined;
}
