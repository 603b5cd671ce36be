/**
 * Public types of the Unique platform simulator (contract: /work/shared/contracts/unique-api.md).
 */

export type AuthMode = 'cluster_local' | 'external';

export interface ZitadelClient {
  clientId: string;
  clientSecret: string;
  projectId: string;
  /** Lifetime of issued tokens; default 3600. */
  ttlSeconds?: number;
}

export interface SeedScope {
  id?: string;
  name: string;
  parentId: string | null;
  externalId?: string | null;
}

export interface SeedContent {
  key: string;
  ownerId: string;
  id?: string;
  title?: string;
  mimeType?: string;
  url?: string | null;
  byteSize?: number;
  metadata?: Record<string, unknown> | null;
  ingestionConfig?: Record<string, unknown> | null;
  sourceKind?: string | null;
  sourceName?: string | null;
  /** Last successful upsert (ISO string, Date or epoch ms); default: now. `null` = registered, never finalized. */
  updatedAt?: string | Date | number | null;
  ingestionState?: string;
  /** Body of the ingested version, kept as if uploaded. */
  text?: string;
}

export interface UniqueScenario {
  authMode: AuthMode;
  /** Default 'company_1'. */
  companyId: string;
  /** Default 'user_service'; `me` resolves to it in `external` mode. */
  serviceUserId: string;
  /** Other existing user ids (accepted as `x-user-id`). */
  users?: string[];
  /** Default `{ clientId: 'connector-client', clientSecret: 'connector-secret', projectId: 'project_1' }`. */
  zitadel?: ZitadelClient;
  /** Default: `/Company KB` (scope_root) with child `/Company KB/Confluence` (scope_confluence). */
  scopes?: SeedScope[];
  contents?: SeedContent[];
  /** §5 [U]: the diff's stored set is narrowed to contents with the submitted sourceKind and sourceName. */
  diffMatchesSource?: boolean;
  /**
   * §14.15 [U]: the diff's stored set also includes contents of the same source whose key has the
   * partial key's last segment before the item key under another prefix (`98305_ENG/1` for
   * `acme/98305_ENG`); they are reported by their last segment.
   */
  diffMatchesOtherPrefixes?: boolean;
  /** §5 [U]: contents in a FAILED* state are re-offered as updated at most once per 24 h. */
  diffReoffersFailed?: boolean;
  /** §11 [U]: MIME types rejected at registration with a 400 (e.g. ['image/gif']). Default none. */
  rejectedMimeTypes?: string[];
  /** §14.1: scopes are only visible to `paginatedScope` for users holding READ on them. Default off. */
  enforceScopeReadAccess?: boolean;
}

export interface SimulatorOptions {
  /** Added to every request. */
  latencyMs?: number;
  /** Seed of the PRNG behind `FaultRule.probability`. */
  seed?: number;
  /** Uploads up to this size keep their bytes; larger ones only size + sha256. Default 2 MiB. */
  keepBytesUpTo?: number;
  /** Delay between finalize (QUEUED) and FINISHED; default 0 = FINISHED at once. */
  ingestionDelayMs?: number;
  /**
   * More requests than this in any window are answered 429 with Retry-After, counted
   * separately for the ingestion GraphQL, scope-management GraphQL and file-diff
   * endpoints (the connector's three limited clients, contract §11); uploads and token
   * requests are not counted.
   */
  strictRateLimitPerMinute?: number;
  /** The window of `strictRateLimitPerMinute` (default 60 000 ms). */
  rateLimitWindowMs?: number;
}

export interface ScopeAccess {
  entityType: 'USER' | 'GROUP';
  entityId: string;
  accessType: 'MANAGE' | 'READ' | 'WRITE';
}

export interface ScopeView {
  id: string;
  name: string;
  parentId: string | null;
  externalId: string | null;
  path: string;
  accesses: ScopeAccess[];
}

export interface UploadedBlob {
  size: number;
  sha256: string;
  contentType: string | null;
  /** The bytes, when the upload was at most `keepBytesUpTo`. */
  bytes?: Buffer;
  /** UTF-8 decoding of `bytes`. */
  text?: string;
}

export interface ContentView {
  id: string;
  key: string;
  title: string;
  mimeType: string;
  ownerType: 'SCOPE';
  ownerId: string;
  url: string | null;
  byteSize: number;
  metadata: Record<string, unknown> | null;
  ingestionConfig: Record<string, unknown> | null;
  sourceKind: string | null;
  sourceName: string | null;
  sourceOwnerType: string | null;
  storeInternally: boolean | null;
  baseUrl: string | null;
  ingestionState: string;
  createdAt: string;
  /** Last successful upsert (finalize); null while registered but never finalized. */
  updatedAt: string | null;
  /** Bytes received on the current upload key; null after (re-)registration until a PUT succeeds. */
  uploaded: UploadedBlob | null;
}

export interface DeletionRecord {
  id: string;
  key: string;
  at: number;
  /** 'contentDeleteByContentIds' or 'deleteFolder'. */
  via: string;
}

export interface FaultRequest {
  operation?: string;
  variables?: any;
  path: string;
}

export interface FaultRule {
  /** A string matches the normalised path exactly or as its suffix; a RegExp is tested against it. */
  path?: string | RegExp;
  /** GraphQL root field name, e.g. 'contentUpsert'. */
  operation?: string;
  when?: (req: FaultRequest) => boolean;
  /** REST: HTTP status. GraphQL: error with extensions.response.statusCode (HTTP 200 unless httpStatus). */
  status?: number;
  /** GraphQL only: answer with this HTTP status instead of 200 (a gateway-level failure). */
  httpStatus?: number;
  /** GraphQL error message (status defaults to 500). */
  graphqlError?: string;
  retryAfter?: number | string;
  /** Destroy the socket without answering. */
  reset?: boolean;
  latencyMs?: number;
  /**
   * The request waits for the returned promise before it is handled (a test releases
   * it): "slower than the client's timeout" without a race against the clock.
   */
  hold?: (req: FaultRequest) => Promise<void>;
  /** deleteFolder reports the folder in failedFolders and deletes nothing. */
  failedFolders?: boolean;
  /** Fire at most this many times. */
  times?: number;
  /** Fire on every n-th match (counted after `after`). */
  every?: number;
  /** Let the first n matches through. */
  after?: number;
  /** Fire with this probability (seeded PRNG). */
  probability?: number;
}

export interface RequestLogEntry {
  method: string;
  path: string;
  operation?: string;
  variables?: unknown;
  /** Lower-case names; authorization reduced to its scheme, cookies dropped. */
  headers: Record<string, string>;
  /** 0 when the connection was reset by a fault. */
  status: number;
  at: number;
}

export interface SimulatorState {
  scopes(): ScopeView[];
  scope(id: string): ScopeView | undefined;
  contents(): ContentView[];
  content(key: string): ContentView | undefined;
  deletions(): DeletionRecord[];
  addScope(scope: SeedScope): ScopeView;
  setExternalId(scopeId: string, externalId: string | null): void;
  addContent(seed: SeedContent): ContentView;
  setIngestionState(key: string, state: string): void;
  /** Replaces a content's metadata as an upsert would, without counting as one (tests: a lease's expiry passing). */
  setMetadata(key: string, metadata: Record<string, unknown> | null): void;
  /** Throws when an invariant of §13 does not hold (content owned by a missing scope, index drift). */
  checkInvariants(): void;
}

export interface UniqueSimulator {
  origin: string;
  ingestionBaseUrl: string;
  scopeManagementBaseUrl: string;
  zitadelTokenUrl: string;
  scenario: Readonly<UniqueScenario>;
  state: SimulatorState;
  faults: { add(rule: FaultRule): void; clear(): void };
  expireTokens(): void;
  requests: RequestLogEntry[];
  clearRequests(): void;
  /** Runs every delayed transition (`ingestionDelayMs`) now, so a test needs no sleep; returns how many ran. */
  runDelayed(): number;
  close(): Promise<void>;
}
