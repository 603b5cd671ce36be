/**
 * Public types of the Confluence simulator. The wire shapes follow
 * /work/shared/contracts/confluence-api.md; these are only the inputs a test gives
 * and the handles it gets back.
 */
export type Flavour = 'cloud' | 'data-center';
export type SpaceType = 'global' | 'personal' | 'collaboration';
export type ContentStatus = 'current' | 'draft' | 'trashed' | 'archived';

export interface ScenarioSpace {
  id: number;
  key: string;
  name: string;
  type?: SpaceType;
  /** The principal may not see this space: absent from CQL results, 403 on direct gets. */
  denied?: boolean;
}

export interface ScenarioAttachment {
  /** With its `att` prefix, e.g. `att70001`. */
  id: string;
  title: string;
  mediaType: string;
  size: number;
  /** Small fixed bytes; without them the bytes are `generatedBytes(id, size)`. */
  bytes?: Buffer | string;
  versionWhen?: string;
  versionNumber?: number;
  fileId?: string;
}

export interface ScenarioContent {
  id: string;
  /** Unknown types are stored and returned as given. */
  type: string;
  status?: ContentStatus;
  title: string;
  spaceKey: string;
  parentId?: string;
  version?: { number: number; when: string };
  labels?: string[];
  body?: string;
  attachments?: ScenarioAttachment[];
}

export interface PageCaps {
  withBody?: number;
  withExpansions?: number;
  bare?: number;
}

export interface ConfluenceScenario {
  flavour: Flavour;
  cloudId?: string;
  manifestId?: string;
  /** DC only, e.g. `/confluence`; no trailing slash. */
  contextPath?: string;
  oauthClients?: { clientId: string; clientSecret: string; ttlSeconds?: number }[];
  /** DC only. */
  pats?: string[];
  /** DC only. */
  basicUsers?: { username: string; password: string }[];
  spaces: ScenarioSpace[];
  content: ScenarioContent[];
  caps?: PageCaps;
}

export interface SimulatorOptions {
  /** Delay added to every response. */
  latencyMs?: number;
  /** Seed for fault rules with a `probability`. */
  seed?: number;
  /** More requests than this in any 60 s window are answered 429 (token and media requests excluded). */
  strictRateLimitPerMinute?: number;
  /**
   * The window of `strictRateLimitPerMinute` (default 60 000 ms): tests shrink it together
   * with the client's `rateWindowMs`. Retry-After stays whole seconds, at least 1.
   */
  rateLimitWindowMs?: number;
  /** Cloud media server answers 400 when a request carries Authorization (default true). */
  mediaRejectsAuthorization?: boolean;
  /**
   * Whether the DC `children.attachment._links.next` repeats `expand=version`
   * (contract §6.2 marks it unconfirmed; default false, the harder case for clients).
   */
  attachmentNextRepeatsExpand?: boolean;
  /** Oldest request-log entries are dropped beyond this many (default 200 000). */
  requestLogLimit?: number;
}

export interface FaultRule {
  /** Matched against the request path without query; omitted = every request. */
  path?: string | RegExp;
  method?: string;
  status?: number;
  /** The answer body; a Buffer is sent byte for byte (e.g. invalid UTF-8). */
  body?: string | Buffer;
  headers?: Record<string, string>;
  /** Sets `Retry-After`. */
  retryAfter?: number | string;
  /** Destroy the socket before answering. */
  reset?: boolean;
  /** Send headers and part of the body, then destroy the socket. */
  resetMidBody?: boolean;
  /** Delay before answering; the request is then answered normally unless status/reset is set too. */
  latencyMs?: number;
  /** Fires on at most this many matching requests. */
  times?: number;
  /** Fires on every n-th matching request (counted after `after`). */
  every?: number;
  /** Fires only after this many matching requests passed. */
  after?: number;
  /** Fires with this probability, drawn from the seeded PRNG. */
  probability?: number;
  /** Matches only requests this predicate accepts (e.g. a search whose CQL names one page). */
  when?: (request: { path: string; query: URLSearchParams }) => boolean;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  /** Query parameters; credential-like values (`token`, `access_token`) are redacted. */
  query: Record<string, string>;
  /** Only the scheme, never the credential. */
  authScheme: string | null;
  accept?: string;
  /** 0 while in flight or when the socket was reset before an answer. */
  status: number;
  at: number;
  /** `main` = site/gateway (and DC instance), `media` = the Cloud media server. */
  server: 'main' | 'media';
}
