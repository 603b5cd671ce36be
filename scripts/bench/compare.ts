/**
 * `npm run bench -- --compare DIR`: the first sync of this checkout and of another built
 * checkout (e.g. a worktree of main), run in turns in one session (A B, then B A, …),
 * each in a fresh pair of simulators. On a shared machine absolute figures drift with
 * its load; the turns put both builds under the same drift, and the medians and the
 * median of the round-by-round ratios are what to quote.
 */
import { atMost, info, round, type Figure } from './figures.js';
import type { Common, ScenarioResult } from './scenarios.js';
import { requestSpanMs, startWorld } from './world.js';

interface Sample {
  ratio: number;
  /** The ingest phase alone against the floor. */
  ingestRatio: number;
  cpuMsPerItem: number;
  peakRssMb: number;
  spanMs: number;
}

async function firstSyncSample(common: Common, connectorDir: string, pages: number): Promise<Sample> {
  const world = await startWorld({ ...common, connectorDir, pages });
  try {
    const run = await world.sync();
    if (run.code !== 0) throw new Error(`sync of ${connectorDir} exited ${run.code}`);
    const ingested = Number(run.summary?.ingested ?? 0);
    const spanMs = requestSpanMs(world);
    const floorMs = (ingested * 3 * common.latencyMs) / common.concurrency;
    const ingestMs = Number((run.summary?.phasesMs as Record<string, number> | undefined)?.ingest ?? 0);
    return { ratio: spanMs / floorMs, ingestRatio: ingestMs / floorMs, cpuMsPerItem: run.cpuMs / Math.max(1, ingested), peakRssMb: run.peakRssMb, spanMs };
  } finally {
    await world.close();
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export async function compareFirstSync(common: Common, otherDir: string, pages: number, rounds: number): Promise<ScenarioResult> {
  const mine: Sample[] = [];
  const other: Sample[] = [];
  for (let i = 0; i < rounds; i += 1) {
    // Alternate who goes first, so neither build always meets the warmer (or busier) machine.
    if (i % 2 === 0) {
      mine.push(await firstSyncSample(common, common.connectorDir, pages));
      other.push(await firstSyncSample(common, otherDir, pages));
    } else {
      other.push(await firstSyncSample(common, otherDir, pages));
      mine.push(await firstSyncSample(common, common.connectorDir, pages));
    }
  }
  const paired = (figure: keyof Sample): number => median(mine.map((sample, i) => sample[figure] / other[i]![figure]));
  const figures: Figure[] = [
    info('rounds (this, other in turns)', rounds),
    info('other: first sync / latency floor, median', median(other.map((s) => s.ratio))),
    atMost('this: first sync / latency floor, median', median(mine.map((s) => s.ratio)), 1.25),
    info('other: ingest phase / latency floor, median', median(other.map((s) => s.ingestRatio))),
    info('this: ingest phase / latency floor, median', median(mine.map((s) => s.ingestRatio))),
    info('other: CPU ms per item, median', median(other.map((s) => s.cpuMsPerItem))),
    atMost('this: CPU ms per item, median', median(mine.map((s) => s.cpuMsPerItem)), 2.5),
    info('other: peak RSS MB, median', median(other.map((s) => s.peakRssMb))),
    atMost('this: peak RSS MB, median', median(mine.map((s) => s.peakRssMb)), pages > 2000 ? 250 : 150, ' MB'),
    info('this / other: first sync span, median of rounds', paired('spanMs')),
    info('this / other: CPU per item, median of rounds', paired('cpuMsPerItem')),
    info('this / other: peak RSS, median of rounds', paired('peakRssMb')),
  ];
  const rounded = (samples: Sample[]) => samples.map((s) => ({ ratio: round(s.ratio), ingestRatio: round(s.ingestRatio), cpuMsPerItem: round(s.cpuMsPerItem), peakRssMb: s.peakRssMb, spanMs: s.spanMs }));
  return { report: { pages, rounds, this: rounded(mine), other: { connector: otherDir, samples: rounded(other) } }, figures, failed: false };
}
