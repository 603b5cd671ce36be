/**
 * The fault soak's shared parts, used by test/reliability/soak.test.ts (small, in
 * process) and scripts/bench/faults.ts (full size, the real CLI in a child process):
 * the scenario, the fault mix both simulators inject at once, and the invariants
 * checked on the Unique simulator's state. Not a test file (tap excludes `*-helpers.ts`).
 */
import { createHash } from 'node:crypto';
import type { ConfluenceSimulator, FaultRule as ConfluenceFault, ScenarioContent, ScenarioSpace } from '../simulators/confluence/index.js';
import { dataCenterRateLimitHeaders, generatedSha256 } from '../simulators/confluence/index.js';
import type { DeletionRecord, FaultRule as UniqueFault, RequestLogEntry as UniqueRequest, UniqueSimulator } from '../simulators/unique/index.js';
import { seededRandom } from '../simulators/seeded-random.js';
import { isLeaseKey, leaseRequests } from '../helpers/tenant-lease.js';

export const SOAK_SPACES: ScenarioSpace[] = [
  { id: 7101, key: 'ENG', name: 'Engineering', type: 'global' },
  { id: 7102, key: 'OPS', name: 'Operations', type: 'global' },
  { id: 7103, key: 'SALES', name: 'Sales', type: 'global' },
];
export const SOAK_LABEL_ALL = 'ai-ingest-all';
const T0 = '2026-01-05T08:00:00.000Z';

/**
 * `pages` pages spread over the three spaces, each space's pages under one root
 * labelled with the "all" label. Every page but every fifth carries attachments:
 * a PDF, every other one a text file, and every third one a ZIP the policy rejects.
 */
export function soakScenario(pages: number): { spaces: ScenarioSpace[]; content: ScenarioContent[] } {
  const content: ScenarioContent[] = [];
  for (let index = 0; index < pages; index += 1) {
    const space = SOAK_SPACES[index % SOAK_SPACES.length]!;
    const id = String(600000 + index);
    const isRoot = index < SOAK_SPACES.length;
    const attachments =
      index % 5 === 4
        ? []
        : [
            { id: `att${id}1`, title: `report ${index}.pdf`, mediaType: 'application/pdf', size: 2_000 + ((index * 7919) % 60_000) },
            ...(index % 2 === 0 ? [{ id: `att${id}2`, title: `notes ${index}.txt`, mediaType: 'text/plain', size: 500 + (index % 900) }] : []),
            ...(index % 3 === 0 ? [{ id: `att${id}3`, title: `bundle ${index}.zip`, mediaType: 'application/zip', size: 4_000 }] : []),
          ];
    content.push({
      id,
      type: 'page',
      title: isRoot ? `${space.name} home` : `${space.name} page ${index}`,
      spaceKey: space.key,
      parentId: isRoot ? undefined : String(600000 + (index % SOAK_SPACES.length)),
      labels: isRoot ? [SOAK_LABEL_ALL] : [],
      body: `<h2>Page ${index}</h2><p>${'Service runbook for the release train. '.repeat(5 + (index % 20))}</p><table><tbody><tr><td>owner</td><td>team ${index % 9}</td></tr></tbody></table>`,
      version: { number: 1, when: T0 },
      attachments,
    });
  }
  return { spaces: SOAK_SPACES, content };
}

export interface FaultMix {
  /** Delay of the "slow" responses: the client's headers timeout + 1.5 s (undici checks its timeouts every ~0.5-1 s). */
  slowMs: number;
  /** Seconds in the 429's Retry-After. */
  retryAfterSeconds: number;
}

const FIVE_XX = [500, 502, 503, 504];

/**
 * The soak's faults, on every API request of both simulators: 10 % 5xx (spread over
 * 500/502/503/504), 5 % 429 with Retry-After, 2 % connection resets (on Confluence half of
 * them mid-body), 1 % responses
 * slower than the client's timeout. Token endpoints are left alone: the contracts say
 * token requests are not retried (Confluence §10, Unique §2.2), so their failures are
 * a separate scenario; token expiry is the auth fault of the soak (`expireTokens()`).
 */
export function installFaultMix(confluence: ConfluenceSimulator, unique: UniqueSimulator, mix: FaultMix): { settle(): Promise<void> } {
  const api = /^(?!.*\/oauth2?\/).*/; // every path but the token endpoints
  const confluenceRules: ConfluenceFault[] = [
    { path: api, latencyMs: mix.slowMs, probability: 0.01 },
    // Half the resets cut an answer mid-body (a download streaming into its upload), half before it.
    { path: api, reset: true, probability: 0.01 },
    { path: api, resetMidBody: true, probability: 0.01 },
    { path: api, status: 429, headers: dataCenterRateLimitHeaders(mix.retryAfterSeconds), retryAfter: mix.retryAfterSeconds, probability: 0.05 },
    ...FIVE_XX.map((status) => ({ path: api, status, probability: 0.1 / FIVE_XX.length })),
  ];
  for (const rule of confluenceRules) confluence.faults.add(rule);
  // GraphQL failures come as real HTTP statuses (a gateway answering), REST ones as is.
  const notToken = (request: { path: string }) => !request.path.endsWith('/oauth/v2/token');
  // The slow rule draws its own (seeded) numbers so the soak knows when a late answer is
  // still on its way: undici's timeouts tick coarsely (~0.5-1 s), and a slow request is
  // still executed by the server after the client gave up on it.
  const random = seededRandom(0x5eed);
  let lastSlowAt = 0;
  const slow = (request: { path: string }) => {
    if (!notToken(request) || random() >= 0.01) return false;
    lastSlowAt = Date.now();
    return true;
  };
  const uniqueRules: UniqueFault[] = [
    { when: slow, latencyMs: mix.slowMs },
    { when: notToken, reset: true, probability: 0.02 },
    { when: notToken, status: 429, httpStatus: 429, retryAfter: mix.retryAfterSeconds, probability: 0.05 },
    ...FIVE_XX.map((status) => ({ when: notToken, status, httpStatus: status, probability: 0.1 / FIVE_XX.length })),
  ];
  for (const rule of uniqueRules) unique.faults.add(rule);
  return {
    /** Waits until every slow Unique request has been executed, so each lands in its own cycle's counts. */
    settle: () => new Promise((resolve) => setTimeout(resolve, Math.max(0, lastSlowAt + mix.slowMs + 200 - Date.now()))),
  };
}

/** Expected content: item key (`600003` or `600003::att6000031`) → space key and sha256 of the bytes. */
export type Expected = Map<string, { spaceKey: string; sha256: string }>;

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/**
 * From a fault-free `dump` (NDJSON records): pages with the sha256 of their converted
 * HTML (what the sync uploads), accepted attachments with that of their generated bytes.
 */
export function expectedFromDump(records: Record<string, unknown>[]): Expected {
  const expected: Expected = new Map();
  for (const record of records) {
    const space = (record.space as { key: string }).key;
    if (record.kind === 'page') expected.set(String(record.id), { spaceKey: space, sha256: sha256(String(record.html ?? '')) });
    else if (record.kind === 'attachment' && record.rejected === undefined) {
      expected.set(`${String(record.pageId)}::${String(record.id)}`, { spaceKey: space, sha256: generatedSha256(String(record.id), Number(record.fileSize)) });
    }
  }
  return expected;
}

const itemKeyOf = (key: string) => key.slice(key.lastIndexOf('/') + 1);

/** Content-changing Unique requests: what a cycle that failed before its diff must never send. */
const CONTENT_WRITES = new Set(['contentUpsert', 'contentDeleteByContentIds', 'deleteFolder', 'bulkMove', 'generateScopesBasedOnPaths']);
export function contentWrites(requests: readonly UniqueRequest[], unique: UniqueSimulator): number {
  // The tenant lease's own writes are not content (every writing cycle takes and releases it).
  const isLease = leaseRequests(unique);
  return requests.filter((r) => (r.method === 'PUT' || (r.operation !== undefined && CONTENT_WRITES.has(r.operation))) && !isLease(r)).length;
}

export interface CycleRecord {
  cycle: number;
  outcome: 'succeeded' | 'failed' | 'crashed';
  /** Phases the cycle finished (from its summary). */
  phases: string[];
  /** new + updated + vanished + ingested + failed + deleted: 0 means the cycle changed nothing. */
  changes: number;
  contentWrites: number;
  deletions: number;
  requests: { confluence: number; unique: number };
  error?: string;
}

/** Numbers of a cycle's summary line that say whether it changed anything. */
export function changesOf(summary: Record<string, unknown> | undefined): number {
  if (!summary) return -1;
  return ['new', 'updated', 'vanished', 'ingested', 'failed', 'deleted', 'deleteFailed'].reduce((n, key) => n + Number(summary[key] ?? 0), 0);
}

/**
 * Watches the deletions the Unique simulator records, cycle by cycle. Nothing changes
 * in Confluence during the soak, so a content that was ingested (finalized) at the
 * start of a cycle must never be deleted; the only allowed deletions are the clean-up
 * of an item registered in the same cycle whose upload or finalization failed.
 */
export class DeletionWatch {
  readonly #suspects: { cycle: number; key: string; reason: string }[] = [];
  #seen = 0;
  #finalizedIds = new Set<string>();

  constructor(private readonly unique: UniqueSimulator) {}

  beforeCycle(): void {
    this.#finalizedIds = new Set(this.unique.state.contents().filter((c) => c.updatedAt !== null).map((c) => c.id));
  }

  /** The deletions since the previous call; those of ingested content are remembered. */
  afterCycle(cycle: number): DeletionRecord[] {
    const all = this.unique.state.deletions();
    const fresh = all.slice(this.#seen);
    this.#seen = all.length;
    for (const deletion of fresh) {
      if (this.#finalizedIds.has(deletion.id)) this.#suspects.push({ cycle, key: deletion.key, reason: `ingested content deleted via ${deletion.via}` });
      else if (deletion.via === 'deleteFolder') this.#suspects.push({ cycle, key: deletion.key, reason: 'content deleted with its folder' });
    }
    return fresh;
  }

  /** Deletions of ingested content that should exist. */
  violations(expected: Expected): { cycle: number; key: string; reason: string }[] {
    return this.#suspects.filter((suspect) => expected.has(itemKeyOf(suspect.key)));
  }
}

export interface InvariantResults {
  /** Every expected item is stored once under its space with the right bytes; nothing else is stored. */
  exactlyOnceWithRightBytes: boolean;
  missing: string[];
  unexpected: string[];
  wrongBytes: string[];
  /** No content registered but not uploaded or finalized. */
  noRegisteredWithoutUpload: boolean;
  registeredWithoutUpload: string[];
  /** No ingested content that should exist was deleted. */
  nothingLiveDeleted: boolean;
  liveDeletions: { cycle: number; key: string; reason: string }[];
  /** Cycles that failed before their diff sent no content write. */
  failedDiscoveryWroteNothing: boolean;
  failedDiscoveryWrites: number[];
  /** No cycle crashed (an unexpected error, a non-0/1 exit, a signal). */
  neverCrashed: boolean;
  crashedCycles: number[];
  /** The simulator's own §13 invariants. */
  simulatorInvariants: string;
  ok: boolean;
}

export function checkInvariants(unique: UniqueSimulator, expected: Expected, watch: DeletionWatch, cycles: readonly CycleRecord[]): InvariantResults {
  // The tenant lease is not an item (a release that failed under the faults may leave it until its expiry).
  const contents = unique.state.contents().filter((c) => !isLeaseKey(c.key));
  const byItem = new Map<string, typeof contents>();
  for (const content of contents) {
    const item = itemKeyOf(content.key);
    byItem.set(item, [...(byItem.get(item) ?? []), content]);
  }
  const missing: string[] = [];
  const wrongBytes: string[] = [];
  for (const [item, want] of expected) {
    const stored = byItem.get(item) ?? [];
    if (stored.length === 0) missing.push(item);
    else if (stored.length > 1 || !stored[0]!.key.includes(`_${want.spaceKey}/`) || stored[0]!.uploaded?.sha256 !== want.sha256) wrongBytes.push(item);
  }
  const unexpected = [...byItem.keys()].filter((item) => !expected.has(item));
  const registeredWithoutUpload = contents.filter((c) => c.uploaded === null || c.updatedAt === null).map((c) => c.key);
  const failedDiscoveryWrites = cycles.filter((c) => c.outcome !== 'succeeded' && !c.phases.includes('diff') && c.contentWrites > 0).map((c) => c.cycle);
  const crashedCycles = cycles.filter((c) => c.outcome === 'crashed').map((c) => c.cycle);
  const liveDeletions = watch.violations(expected);
  let simulatorInvariants = 'ok';
  try {
    unique.state.checkInvariants();
  } catch (error) {
    simulatorInvariants = error instanceof Error ? error.message : String(error);
  }
  const results = {
    exactlyOnceWithRightBytes: missing.length === 0 && unexpected.length === 0 && wrongBytes.length === 0,
    missing,
    unexpected,
    wrongBytes,
    noRegisteredWithoutUpload: registeredWithoutUpload.length === 0,
    registeredWithoutUpload,
    nothingLiveDeleted: liveDeletions.length === 0,
    liveDeletions,
    failedDiscoveryWroteNothing: failedDiscoveryWrites.length === 0,
    failedDiscoveryWrites,
    neverCrashed: crashedCycles.length === 0,
    crashedCycles,
    simulatorInvariants,
  };
  const ok =
    results.exactlyOnceWithRightBytes &&
    results.noRegisteredWithoutUpload &&
    results.nothingLiveDeleted &&
    results.failedDiscoveryWroteNothing &&
    results.neverCrashed &&
    simulatorInvariants === 'ok';
  return { ...results, ok };
}

/** True once the last two cycles both succeeded and changed nothing. */
export function converged(cycles: readonly CycleRecord[]): boolean {
  const last = cycles.slice(-2);
  return last.length === 2 && last.every((c) => c.outcome === 'succeeded' && c.changes === 0);
}
