import {
  cron,
  headerName,
  label,
  mimeType,
  nonEmptyString,
  oneOf,
  positiveInteger,
  positiveNumber,
  url,
  type Rule,
} from './rules.js';

/**
 * Every field of the tenant file, with its rule, default and description in one
 * place. The superstruct schema, `os.environ/` resolution and the test that keeps
 * `config/tenant-config.schema.json` in step all read this list, so a field added
 * here and forgotten elsewhere fails a test instead of silently being ignored.
 */
export type FieldKind = 'section' | 'scalar' | 'list' | 'map' | 'verbatim';

export interface FieldSpec {
  /** Dotted path in the YAML file, e.g. `confluence.auth.clientSecret`. */
  readonly path: string;
  readonly kind: FieldKind;
  readonly description: string;
  /** scalar: the value; list: each item; map: each value. */
  readonly rule?: Rule;
  /** map: each key. */
  readonly keyRule?: Rule;
  readonly default?: unknown;
  /** Required whatever the other fields say (conditional requirements live in the schema). */
  readonly required?: boolean;
  /** Becomes a `Secret`; its value is never echoed in a message. */
  readonly secret?: boolean;
  /** Decides which other fields apply, so it must be known without the environment. */
  readonly literalOnly?: boolean;
}

function f(path: string, kind: FieldKind, description: string, rest: Omit<FieldSpec, 'path' | 'kind' | 'description'> = {}): FieldSpec {
  return { path, kind, description, ...rest };
}

export const TENANT_STATUSES = ['active', 'inactive', 'deleted'] as const;
export const INSTANCE_TYPES = ['cloud', 'data-center'] as const;
export const AUTH_MODES = ['oauth_2lo', 'pat'] as const;
export const SERVICE_AUTH_MODES = ['cluster_local', 'external'] as const;
export const SWITCH = ['enabled', 'disabled'] as const;
export const RESTRICTED_PAGES_MODES = ['skip', 'ingest'] as const;

/** The vendor's default attachment allow-list: office documents, text, PDF and the two common image types. */
export const DEFAULT_ALLOWED_MIME_TYPES: readonly string[] = [
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'text/plain',
  'text/csv',
  'text/html',
  'image/png',
  'image/jpeg',
];

/** Headers Unique's services need when called inside the cluster without a token. */
export const CLUSTER_LOCAL_HEADERS = ['x-company-id', 'x-user-id'] as const;

export const STATUS = f('status', 'scalar', 'active: sync on schedule; inactive: skip; deleted: remove everything this connector ingested for the tenant.', { rule: oneOf(TENANT_STATUSES), default: 'active' });

export const CONFLUENCE = f('confluence', 'section', 'The Confluence site or instance to read.', { required: true });
export const INSTANCE_TYPE = f('confluence.instanceType', 'scalar', 'cloud (Atlassian Cloud) or data-center (self-hosted Server/Data Center).', { rule: oneOf(INSTANCE_TYPES), required: true, literalOnly: true });
export const BASE_URL = f('confluence.baseUrl', 'scalar', 'Site URL without trailing slash; on data-center it may include a context path such as /wiki.', { rule: url, required: true });
export const CLOUD_ID = f('confluence.cloudId', 'scalar', 'Atlassian Cloud site id (required for cloud, not allowed for data-center).', { rule: nonEmptyString });
export const AUTH = f('confluence.auth', 'section', 'How the connector authenticates to Confluence.', { required: true });
export const AUTH_MODE = f('confluence.auth.mode', 'scalar', 'oauth_2lo: client credentials; pat: personal access token (data-center only).', { rule: oneOf(AUTH_MODES), required: true, literalOnly: true });
export const CLIENT_ID = f('confluence.auth.clientId', 'scalar', 'OAuth client id (oauth_2lo).', { rule: nonEmptyString });
export const CLIENT_SECRET = f('confluence.auth.clientSecret', 'scalar', 'OAuth client secret (oauth_2lo), normally os.environ/CONFLUENCE_CLIENT_SECRET.', { rule: nonEmptyString, secret: true });
export const TOKEN = f('confluence.auth.token', 'scalar', 'Personal access token (pat), normally os.environ/CONFLUENCE_PAT.', { rule: nonEmptyString, secret: true });
export const CONFLUENCE_RATE = f('confluence.apiRateLimitPerMinute', 'scalar', 'Maximum Confluence API requests per minute.', { rule: positiveInteger, required: true });
export const INGEST_SINGLE_LABEL = f('confluence.ingestSingleLabel', 'scalar', 'Label that marks a single page for ingestion.', { rule: label, required: true });
export const INGEST_ALL_LABEL = f('confluence.ingestAllLabel', 'scalar', 'Label that marks a page and all its descendants for ingestion; must differ from ingestSingleLabel.', { rule: label, required: true });

export const UNIQUE = f('unique', 'section', 'The Unique AI services to write to.', { required: true });
export const SERVICE_AUTH_MODE = f('unique.serviceAuthMode', 'scalar', 'cluster_local: call services inside the cluster with identity headers; external: get a Zitadel token.', { rule: oneOf(SERVICE_AUTH_MODES), required: true, literalOnly: true });
export const SERVICE_EXTRA_HEADERS = f('unique.serviceExtraHeaders', 'map', 'Headers sent on every service call; cluster_local needs x-company-id and x-user-id.', { rule: nonEmptyString, keyRule: headerName });
export const ZITADEL_TOKEN_URL = f('unique.zitadelOauthTokenUrl', 'scalar', 'Zitadel OAuth token endpoint (external).', { rule: url });
export const ZITADEL_PROJECT_ID = f('unique.zitadelProjectId', 'scalar', 'Zitadel project id (external), often os.environ/ZITADEL_PROJECT_ID.', { rule: nonEmptyString });
export const ZITADEL_CLIENT_ID = f('unique.zitadelClientId', 'scalar', 'Zitadel client id (external).', { rule: nonEmptyString });
export const ZITADEL_CLIENT_SECRET = f('unique.zitadelClientSecret', 'scalar', 'Zitadel client secret (external), normally os.environ/ZITADEL_CLIENT_SECRET.', { rule: nonEmptyString, secret: true });
export const INGESTION_URL = f('unique.ingestionServiceBaseUrl', 'scalar', 'Base URL of the ingestion service, without trailing slash.', { rule: url, required: true });
export const SCOPE_URL = f('unique.scopeManagementServiceBaseUrl', 'scalar', 'Base URL of the scope management service, without trailing slash.', { rule: url, required: true });
export const UNIQUE_RATE = f('unique.apiRateLimitPerMinute', 'scalar', 'Maximum Unique API requests per minute.', { rule: positiveInteger, default: 100 });
export const UNIQUE_INGESTION_CONFIG = f('unique.ingestionConfig', 'verbatim', 'Deprecated vendor field: accepted but never sent (a warning says so); use ingestion.pageIngestionConfig.');

export const PROCESSING = f('processing', 'section', 'How and when the tenant is synced.');
export const CONCURRENCY = f('processing.concurrency', 'scalar', 'Pages processed in parallel.', { rule: positiveInteger, default: 1 });
export const SCAN_INTERVAL_CRON = f('processing.scanIntervalCron', 'scalar', 'When a sync starts: cron with 5 fields, or 6 with seconds first.', { rule: cron, default: '*/15 * * * *' });
export const MAX_ITEMS_TO_SCAN = f('processing.maxItemsToScan', 'scalar', 'Stop discovery after this many pages (unset: no limit).', { rule: positiveInteger });
export const MAX_PAGE_BODY_MB = f('processing.maxPageBodyMb', 'scalar', 'A page whose storage body is larger (MB) is skipped with a warning; bounds the memory a cycle needs.', { rule: positiveNumber, default: 20 });
export const CYCLE_TIMEOUT_MINUTES = f('processing.cycleTimeoutMinutes', 'scalar', 'A cycle still running after this many minutes stops like on SIGTERM and fails with CYCLE_DEADLINE_EXCEEDED (unset: the longest gap between two runs of scanIntervalCron, at least 60 and at most 1440).', { rule: positiveNumber });

export const INGESTION = f('ingestion', 'section', 'Where and how content lands in Unique.', { required: true });
export const INGESTION_MODE = f('ingestion.ingestionMode', 'scalar', 'Scope layout; only flat (everything in scopeId) is supported.', { rule: oneOf(['flat'] as const), default: 'flat' });
export const SCOPE_ID = f('ingestion.scopeId', 'scalar', 'Unique scope that receives the content.', { rule: nonEmptyString, required: true });
export const STORE_INTERNALLY = f('ingestion.storeInternally', 'scalar', 'Keep a copy of each file in Unique.', { rule: oneOf(SWITCH), default: 'enabled' });
export const USE_V1_KEY_FORMAT = f('ingestion.useV1KeyFormat', 'scalar', 'Use the older content key format, for tenants migrated from v1.', { rule: oneOf(SWITCH), default: 'disabled' });
export const ATTACHMENTS = f('ingestion.attachments', 'section', 'Attachment ingestion.');
export const ATTACHMENTS_MODE = f('ingestion.attachments.mode', 'scalar', 'Ingest attachments of ingested pages.', { rule: oneOf(SWITCH), default: 'enabled' });
export const ALLOWED_MIME_TYPES = f('ingestion.attachments.allowedMimeTypes', 'list', 'Media types of attachments to ingest (type/subtype).', { rule: mimeType, default: DEFAULT_ALLOWED_MIME_TYPES });
export const MAX_FILE_SIZE_MB = f('ingestion.attachments.maxFileSizeMb', 'scalar', 'Larger attachments are skipped.', { rule: positiveNumber, default: 200 });
export const IMAGE_OCR = f('ingestion.attachments.imageOcr', 'scalar', 'Run OCR on image attachments.', { rule: oneOf(SWITCH), default: 'enabled' });
export const RESTRICTED_PAGES = f('ingestion.restrictedPages', 'scalar', 'skip: withhold pages that are read-restricted in Confluence, by their own restriction or an ancestor\'s (and pages whose restriction cannot be read), deleting them from Unique if they were ingested; ingest: ignore read restrictions (the vendor\'s behaviour).', { rule: oneOf(RESTRICTED_PAGES_MODES), default: 'skip' });
export const PAGE_INGESTION_CONFIG = f('ingestion.pageIngestionConfig', 'verbatim', 'Vendor ingestion settings for pages, passed through unchanged; imageContentExtraction needs a languageModel.');

export const FIELDS: readonly FieldSpec[] = [
  STATUS,
  CONFLUENCE, INSTANCE_TYPE, BASE_URL, CLOUD_ID, AUTH, AUTH_MODE, CLIENT_ID, CLIENT_SECRET, TOKEN,
  CONFLUENCE_RATE, INGEST_SINGLE_LABEL, INGEST_ALL_LABEL,
  UNIQUE, SERVICE_AUTH_MODE, SERVICE_EXTRA_HEADERS, ZITADEL_TOKEN_URL, ZITADEL_PROJECT_ID, ZITADEL_CLIENT_ID,
  ZITADEL_CLIENT_SECRET, INGESTION_URL, SCOPE_URL, UNIQUE_RATE, UNIQUE_INGESTION_CONFIG,
  PROCESSING, CONCURRENCY, SCAN_INTERVAL_CRON, MAX_ITEMS_TO_SCAN, MAX_PAGE_BODY_MB, CYCLE_TIMEOUT_MINUTES,
  INGESTION, INGESTION_MODE, SCOPE_ID, STORE_INTERNALLY, USE_V1_KEY_FORMAT,
  ATTACHMENTS, ATTACHMENTS_MODE, ALLOWED_MIME_TYPES, MAX_FILE_SIZE_MB, IMAGE_OCR, PAGE_INGESTION_CONFIG,
  RESTRICTED_PAGES,
];

export function fieldKey(field: FieldSpec): string {
  return field.path.slice(field.path.lastIndexOf('.') + 1);
}
