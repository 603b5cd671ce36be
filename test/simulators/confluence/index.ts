/**
 * Confluence HTTP simulator (Cloud and Data Center flavours) for tests, the demo and
 * the benchmark. Follows /work/shared/contracts/confluence-api.md; where the two
 * disagree, the contract wins.
 */
import { AuthRegistry } from './auth.js';
import { CursorStore, DEFAULT_CAPS, type SimContext } from './context.js';
import { CqlSearch } from './cql-eval.js';
import { FaultInjector, SlidingWindowLimit } from './faults.js';
import { RequestLog } from './request-log.js';
import { routeMain, routeMedia } from './router.js';
import { startServer, stopServer, type PipelineHooks } from './server.js';
import { ConfluenceStore, type AttachmentPatch, type ContentPatch, type ContentRecord, type AttachmentRecord } from './store.js';
import type {
  ConfluenceScenario, FaultRule, RequestLogEntry, RestrictionBehaviour, ScenarioAttachment, ScenarioContent, ScenarioReadRestrictions, ScenarioSpace, SimulatorOptions,
} from './types.js';

export type * from './types.js';
export type { AttachmentPatch, ContentPatch, ContentRecord, AttachmentRecord } from './store.js';
export { generatedBytes, generatedSha256 } from './bytes.js';
export { cloudRateLimitHeaders, dataCenterRateLimitHeaders } from './faults.js';

export const DEFAULT_CLOUD_ID = '3f1b6a2e-5c1d-4e8f-9a0b-7c2d1e4f5a6b';
export const DEFAULT_MANIFEST_ID = '8d2e4c11-7a0b-3f5e-9c41-0d6a2b7f9e30';

/** Mutations for multi-cycle tests; each one is visible to the next request. */
export interface SimulatorState {
  get(id: string): ContentRecord | undefined;
  attachment(id: string): AttachmentRecord | undefined;
  addSpace(space: ScenarioSpace): void;
  addContent(content: ScenarioContent): void;
  updateContent(id: string, patch: ContentPatch): void;
  removeContent(id: string): void;
  moveContent(id: string, to: { spaceKey?: string; parentId?: string | null }): void;
  setLabels(id: string, labels: string[]): void;
  addAttachment(pageId: string, attachment: ScenarioAttachment): void;
  updateAttachment(pageId: string, attachmentId: string, patch: AttachmentPatch): void;
  removeAttachment(pageId: string, attachmentId: string): void;
  renameSpaceKey(oldKey: string, newKey: string): void;
  setSpaceDenied(key: string, denied: boolean): void;
  /** Sets or lifts (undefined) a read restriction without a version bump, as Confluence does (contract §17). */
  setReadRestrictions(id: string, restrictions: ScenarioReadRestrictions | undefined): void;
  /** Switches how read restrictions are served from the next request on (merged into the current switches). */
  setRestrictionBehaviour(behaviour: RestrictionBehaviour): void;
}

export interface ConfluenceSimulator {
  flavour: ConfluenceScenario['flavour'];
  origin: string;
  /** A tenant's `confluence.baseUrl`: DC origin + context path, Cloud the site origin. */
  baseUrl: string;
  /** Cloud: the Atlassian API origin override (token endpoint and gateway); DC: same as baseUrl. */
  apiBaseUrl: string;
  /** Cloud: the separate media origin downloads redirect to; DC: same as origin. */
  mediaOrigin: string;
  cloudId: string;
  manifestId: string;
  state: SimulatorState;
  faults: { add(rule: FaultRule): void; clear(): void };
  expireTokens(): void;
  readonly requests: RequestLogEntry[];
  clearRequests(): void;
  /** Every request but GET and token POSTs: the connector must never write. */
  nonGetRequests(): RequestLogEntry[];
  /** Throws when `nonGetRequests()` is not empty. */
  assertReadOnly(): void;
  close(): Promise<void>;
}

function normaliseContextPath(flavour: ConfluenceScenario['flavour'], contextPath: string | undefined): string {
  if (flavour === 'cloud' || !contextPath || contextPath === '/') return '';
  const trimmed = contextPath.replace(/\/+$/, '');
  return trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

export async function startConfluenceSimulator(scenario: ConfluenceScenario, options: SimulatorOptions = {}): Promise<ConfluenceSimulator> {
  const { flavour } = scenario;
  const store = new ConfluenceStore(flavour, scenario.spaces, scenario.content);
  const auth = new AuthRegistry(flavour, scenario);
  const log = new RequestLog(options.requestLogLimit);
  const faults = new FaultInjector(options.seed);
  const perMinute = options.strictRateLimitPerMinute;
  const hooks: PipelineHooks = {
    flavour, log, faults, latencyMs: options.latencyMs ?? 0,
    rateLimit: perMinute === undefined ? undefined : { window: new SlidingWindowLimit(perMinute, options.rateLimitWindowMs), perMinute },
  };
  const contextPath = normaliseContextPath(flavour, scenario.contextPath);
  // Routes read `ctx` only while serving, which cannot start before it is assigned below.
  let ctx: SimContext | undefined;
  const main = await startServer('main', (req) => routeMain(ctx as SimContext, auth, req), hooks);
  const media = flavour === 'cloud' ? await startServer('media', (req) => routeMedia(ctx as SimContext, req), hooks) : undefined;
  const baseUrl = main.origin + contextPath;
  ctx = {
    flavour, store, search: new CqlSearch(store), cursors: new CursorStore(),
    caps: { ...DEFAULT_CAPS[flavour], ...scenario.caps },
    baseUrl,
    linksBase: flavour === 'cloud' ? `${baseUrl}/wiki` : baseUrl,
    linksContext: flavour === 'cloud' ? '/wiki' : contextPath,
    cloudId: scenario.cloudId ?? DEFAULT_CLOUD_ID,
    manifestId: scenario.manifestId ?? DEFAULT_MANIFEST_ID,
    mediaOrigin: media?.origin ?? main.origin,
    mediaFiles: new Map(),
    mediaRejectsAuthorization: options.mediaRejectsAuthorization ?? true,
    attachmentNextRepeatsExpand: options.attachmentNextRepeatsExpand ?? false,
    restrictions: { ...scenario.restrictions },
    users: scenario.users ?? [],
  };

  const state: SimulatorState = {
    get: (id) => store.get(id),
    attachment: (id) => store.attachments.get(id),
    addSpace: (space) => store.addSpace(space),
    addContent: (content) => store.addContent(content),
    updateContent: (id, patch) => store.updateContent(id, patch),
    removeContent: (id) => store.removeContent(id),
    moveContent: (id, to) => store.moveContent(id, to),
    setLabels: (id, labels) => store.setLabels(id, labels),
    addAttachment: (pageId, attachment) => store.addAttachment(pageId, attachment),
    updateAttachment: (pageId, attachmentId, patch) => store.updateAttachment(pageId, attachmentId, patch),
    removeAttachment: (pageId, attachmentId) => store.removeAttachment(pageId, attachmentId),
    renameSpaceKey: (oldKey, newKey) => store.renameSpaceKey(oldKey, newKey),
    setSpaceDenied: (key, denied) => store.setSpaceDenied(key, denied),
    setReadRestrictions: (id, restrictions) => store.setReadRestrictions(id, restrictions),
    setRestrictionBehaviour: (behaviour) => {
      Object.assign((ctx as SimContext).restrictions, behaviour);
    },
  };

  return {
    flavour,
    origin: main.origin,
    baseUrl,
    apiBaseUrl: flavour === 'cloud' ? main.origin : baseUrl,
    mediaOrigin: ctx.mediaOrigin,
    cloudId: ctx.cloudId,
    manifestId: ctx.manifestId,
    state,
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    expireTokens: () => auth.expireAll(),
    get requests() {
      return log.entries;
    },
    clearRequests: () => log.clear(),
    nonGetRequests: () => log.nonGetRequests(),
    assertReadOnly() {
      const writes = log.nonGetRequests();
      if (writes.length > 0) {
        throw new Error(`Confluence received ${writes.length} non-GET request(s): ${writes.map((w) => `${w.method} ${w.path}`).join(', ')}`);
      }
    },
    async close() {
      await Promise.all([stopServer(main.http), media ? stopServer(media.http) : Promise.resolve()]);
    },
  };
}
