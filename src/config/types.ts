import type { Secret } from '../secret.js';

/**
 * A tenant's configuration after validation and `os.environ/` resolution: what the
 * rest of the connector works with. The YAML keeps the vendor's spelling
 * (`mode: enabled`); here switches are booleans and secrets are `Secret`s.
 */
export type TenantStatus = 'active' | 'inactive' | 'deleted';
export type InstanceType = 'cloud' | 'data-center';

export type ConfluenceAuth =
  | { mode: 'oauth_2lo'; clientId: string; clientSecret: Secret }
  | { mode: 'pat'; token: Secret };

/** Where a section's values came from: its file, and the `os.environ/` variable of each field that named one (full path → name). */
export interface CredentialSource {
  file: string;
  env: Record<string, string>;
}

export interface ConfluenceConfig {
  instanceType: InstanceType;
  /** Site or instance URL without trailing slash (DC: including any context path). */
  baseUrl: string;
  /** Required for cloud, absent for data-center. */
  cloudId?: string;
  auth: ConfluenceAuth;
  /** For messages only (an auth failure names the field and variable to check); absent in hand-built configs. */
  credentialSource?: CredentialSource;
  apiRateLimitPerMinute: number;
  ingestSingleLabel: string;
  ingestAllLabel: string;
}

interface UniqueCommon {
  /** For messages only (an auth failure names the field and variable to check); absent in hand-built configs. */
  credentialSource?: CredentialSource;
  ingestionServiceBaseUrl: string;
  scopeManagementServiceBaseUrl: string;
  apiRateLimitPerMinute: number;
  /** Extra headers sent on every GraphQL and file-diff call (cluster_local: holds x-company-id and x-user-id). */
  serviceExtraHeaders: Record<string, string>;
  /**
   * The vendor's `unique.ingestionConfig`, which the vendor declares but never sends:
   * accepted so old tenant files load, never sent (sending it could switch ingestion
   * off), and a deprecation warning points at `ingestion.pageIngestionConfig`.
   */
  deprecatedIngestionConfig?: Record<string, unknown>;
}

export type UniqueConfig =
  | (UniqueCommon & { serviceAuthMode: 'cluster_local' })
  | (UniqueCommon & {
      serviceAuthMode: 'external';
      zitadelOauthTokenUrl: string;
      zitadelProjectId: string;
      zitadelClientId: string;
      zitadelClientSecret: Secret;
    });

export interface ProcessingConfig {
  concurrency: number;
  scanIntervalCron: string;
  maxItemsToScan?: number;
  /** Larger storage bodies are skipped (MB of UTF-8). */
  maxPageBodyMb: number;
  /** Unset: derived from the schedule (src/cycle-deadline.ts). */
  cycleTimeoutMinutes?: number;
}

export interface AttachmentsConfig {
  enabled: boolean;
  /** Lower-case media types without parameters. */
  allowedMimeTypes: string[];
  maxFileSizeMb: number;
  imageOcr: boolean;
}

export interface IngestionConfig {
  ingestionMode: 'flat';
  scopeId: string;
  storeInternally: boolean;
  useV1KeyFormat: boolean;
  attachments: AttachmentsConfig;
  /** Passed verbatim as `ingestionConfig` of page registrations. */
  pageIngestionConfig?: Record<string, unknown>;
  /** Confluence contract §17: `skip` withholds read-restricted pages (own or inherited); `ingest` ignores restrictions. */
  restrictedPages: RestrictedPagesMode;
}

export type RestrictedPagesMode = 'skip' | 'ingest';

export interface TenantConfig {
  /** From the file name `{name}-tenant-config.yaml`. */
  name: string;
  /** Path of the YAML file, for messages. */
  file: string;
  status: TenantStatus;
  confluence: ConfluenceConfig;
  unique: UniqueConfig;
  processing: ProcessingConfig;
  ingestion: IngestionConfig;
}
