/**
 * The benchmark scenarios of `npm run bench`, each returning its raw report and its
 * figures with their targets. Every figure comes from the simulators' request logs or
 * from the sync process as the operating system saw it.
 */
import { generatedSha256 } from '../../test/simulators/confluence/index.js';
import { atMost, exactly, info, round, type Figure } from './figures.js';
import { BIG_ATTACHMENT_ID } from './generate.js';
import type { SyncRun } from './sync-process.js';
import { confluenceEndpoints, requestSpanMs, startWorld, sum, throttled, uniqueEndpoints, uniqueLimitedRequests, type World, type WorldOptions } from './world.js';

export interface ScenarioResult {
  report: Record<string, unknown>;
  figures: Figure[];
  failed: boolean;
}

export type Common = Pick<WorldOptions, 'latencyMs' | 'concurrency' | 'connectorDir' | 'cpuProfDir' | 'nodeArgs'>;

const ingestedOf = (run: SyncRun): number => Number(run.summary?.ingested ?? 0);

async function withWorld<T>(options: WorldOptions, body: (world: World) => Promise<T>): Promise<T> {
  const world = await startWorld(options);
  try {
    return await body(world);
  } finally {
    await world.close();
  }
}

/**
 * First sync of N pages (with their attachments) and a no-change sync. The latency
 * floor is what the Unique calls alone need: every item makes three sequential calls
 * (register, upload, finalize), `concurrency` items at a time.
 */
export async function firstSync(common: Common, pages: number, bigAttachmentBytes = 0): Promise<ScenarioResult> {
  return withWorld({ ...common, pages, bigAttachmentBytes }, async (world) => {
    // The simulators share this process: when its event loop is busy, answers wait beyond the latency.
    const loopBefore = performance.eventLoopUtilization();
    const first = await world.sync();
    const simulatorLoad = performance.eventLoopUtilization(loopBefore).utilization;
    const spanMs = requestSpanMs(world);
    const confluenceFirst = confluenceEndpoints(world.confluence);
    const uniqueFirst = uniqueEndpoints(world.unique);
    world.clearRequests();
    const second = await world.sync();
    const confluenceSecond = confluenceEndpoints(world.confluence);
    const uniqueSecond = uniqueEndpoints(world.unique);

    const ingested = ingestedOf(first);
    const ingestedPages = Math.min(ingested, pages);
    const floorMs = (ingested * 3 * common.latencyMs) / common.concurrency;
    const downloads = Object.entries(confluenceFirst).filter(([endpoint]) => endpoint.includes('/download/')).reduce((n, [, c]) => n + c, 0);
    const bodyFetches = confluenceSecond['/rest/api/content/search (bodies)'] ?? 0;
    const uploads = Object.entries(uniqueSecond).filter(([endpoint]) => endpoint.startsWith('PUT')).reduce((n, [, c]) => n + c, 0);
    const rssTarget = pages > 2000 ? 250 : 150;
    // Where the span goes, from the cycle's own phase durations.
    const phases = (first.summary?.phasesMs ?? {}) as Record<string, number>;
    const beforeIngestMs = ['init', 'discovery', 'lease', 'diff', 'space-scopes'].reduce((total, phase) => total + (phases[phase] ?? 0), 0);
    const figures: Figure[] = [
      info('items ingested (pages + attachments)', ingested),
      info('latency floor ms (items x 3 x latency / concurrency)', floorMs),
      info('first sync, first to last request, ms', spanMs),
      atMost('first sync / latency floor', floorMs > 0 ? spanMs / floorMs : Number.POSITIVE_INFINITY, 1.25),
      info('  before the first item, ms (init to space scopes)', beforeIngestMs),
      info('  of which waiting for the tenant lease beyond discovery, ms', phases.lease ?? 0),
      info('  ingest phase / latency floor', floorMs > 0 ? (phases.ingest ?? 0) / floorMs : 0),
      info('first sync process wall ms', first.wallMs),
      info('simulators\' event loop busy during it (share)', simulatorLoad),
      atMost('first sync peak RSS', first.peakRssMb, rssTarget, ' MB'),
      atMost('CPU ms per ingested item (user + sys)', ingested > 0 ? first.cpuMs / ingested : Number.POSITIVE_INFINITY, 2.5),
      atMost('Confluence requests per ingested page (downloads aside)', (sum(confluenceFirst) - downloads) / Math.max(1, ingestedPages), 0.1),
      atMost('all requests per ingested item', (sum(confluenceFirst) + sum(uniqueFirst)) / Math.max(1, ingested), 3.2),
      exactly('no-change sync: body fetches', bodyFetches, 0),
      exactly('no-change sync: uploads', uploads, 0),
      info('no-change sync wall ms', second.wallMs),
      atMost('no-change sync peak RSS', second.peakRssMb, rssTarget, ' MB'),
    ];
    const report = {
      pages,
      latencyMs: common.latencyMs,
      concurrency: common.concurrency,
      firstSync: {
        exitCode: first.code,
        wallMs: first.wallMs,
        requestSpanMs: spanMs,
        simulatorEventLoopUtilization: simulatorLoad,
        latencyFloorMs: floorMs,
        peakRssMb: first.peakRssMb,
        cpuMs: first.cpuMs,
        sysMs: first.sysMs,
        ingested,
        failed: first.summary?.failed,
        phasesMs: first.summary?.phasesMs,
        requests: { confluence: confluenceFirst, unique: uniqueFirst },
      },
      noChangeSync: {
        exitCode: second.code,
        wallMs: second.wallMs,
        peakRssMb: second.peakRssMb,
        cpuMs: second.cpuMs,
        ingested: second.summary?.ingested,
        requests: { confluence: confluenceSecond, unique: uniqueSecond },
        bodyFetches,
        uploads,
      },
    };
    return { report, figures, failed: first.code !== 0 || second.code !== 0 };
  });
}

/** 100 pages with both sides limited to 600/min (and both simulators enforcing it), against the same without limits. */
export async function rateLimited(common: Common, pages: number, limit: number): Promise<ScenarioResult> {
  const run = (limited: boolean) =>
    withWorld({ ...common, pages, ...(limited ? { confluenceLimit: limit, uniqueLimit: limit, enforce: true } : {}) }, async (world) => {
      const sync = await world.sync();
      return { sync, throttled: throttled(world) };
    });
  const free = await run(false);
  const limited = await run(true);
  const figures: Figure[] = [
    info('items ingested', ingestedOf(limited.sync)),
    info(`wall ms without limits`, free.sync.wallMs),
    info(`wall ms at ${limit}/min both sides`, limited.sync.wallMs),
    atMost('limited / unlimited wall time', limited.sync.wallMs / free.sync.wallMs, 1.5),
    exactly('429 answers (Confluence + Unique)', limited.throttled.confluence + limited.throttled.unique, 0),
  ];
  const report = { pages, limitPerMinute: limit, unlimited: free, limited };
  return { report, figures, failed: free.sync.code !== 0 || limited.sync.code !== 0 };
}

/**
 * N pages with Unique limited (and enforcing the same limit over a sliding window):
 * the cycle may take no longer than its limited requests need at the limit, plus 10 %.
 */
export async function sustained(common: Common, pages: number, limit: number): Promise<ScenarioResult> {
  return withWorld({ ...common, pages, uniqueLimit: limit, enforce: true }, async (world) => {
    const sync = await world.sync();
    const limitedRequests = uniqueLimitedRequests(world.unique);
    const boundMs = (limitedRequests / limit) * 60_000 * 1.1;
    const seen = throttled(world);
    const figures: Figure[] = [
      info('items ingested', ingestedOf(sync)),
      info('Unique GraphQL + file-diff requests', limitedRequests),
      info('wall ms', sync.wallMs),
      atMost('wall ms vs 1.1 x requests / limit', sync.wallMs, round(boundMs, 0)),
      exactly('429 answers from Unique', seen.unique, 0),
    ];
    return { report: { pages, uniqueLimitPerMinute: limit, sync, limitedRequests, throttled: seen }, figures, failed: sync.code !== 0 };
  });
}

/** Peak RSS of a sync with one big attachment against the same sync without it, `runs` times. */
export async function bigAttachment(common: Common, pages: number, megabytes: number, runs: number): Promise<ScenarioResult> {
  const bytes = Math.round(megabytes * 1048576);
  const pairs: { without: SyncRun; with: SyncRun; deltaMb: number; stored: boolean; bytesMatch: boolean }[] = [];
  for (let i = 0; i < runs; i += 1) {
    const without = await withWorld({ ...common, pages }, (world) => world.sync());
    const measured = await withWorld({ ...common, pages, bigAttachmentBytes: bytes }, async (world) => {
      const sync = await world.sync();
      const big = world.unique.state.contents().find((content) => content.key.endsWith(`::${BIG_ATTACHMENT_ID}`));
      return { sync, stored: big !== undefined, bytesMatch: big?.uploaded?.sha256 === generatedSha256(BIG_ATTACHMENT_ID, bytes) };
    });
    pairs.push({ without, with: measured.sync, deltaMb: round(measured.sync.peakRssMb - without.peakRssMb, 1), stored: measured.stored, bytesMatch: measured.bytesMatch });
  }
  const worst = Math.max(...pairs.map((pair) => pair.deltaMb));
  const figures: Figure[] = [
    info('peak RSS without / with, MB', pairs.map((pair) => `${pair.without.peakRssMb}/${pair.with.peakRssMb}`).join(' ')),
    atMost(`peak RSS delta of a ${megabytes} MB attachment, worst of ${runs}`, worst, 30, ' MB'),
    exactly('big attachment stored with the right bytes (runs)', pairs.filter((pair) => pair.stored && pair.bytesMatch).length, runs),
  ];
  const failed = pairs.some((pair) => pair.without.code !== 0 || pair.with.code !== 0);
  return { report: { pages, megabytes, pairs }, figures, failed };
}
