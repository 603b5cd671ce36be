import { Struct, array, coerce, define, defaulted, dynamic, object, optional, unknown, validate, type Failure } from 'superstruct';
import * as F from './fields.js';
import type { FieldSpec } from './fields.js';
import { describeValue, envRefName, isMalformedEnvRef, nonEmptyString } from './rules.js';

/**
 * Step one: the structure of a parsed tenant file, checked with superstruct and
 * nothing else (no environment, no network). An `os.environ/NAME` reference passes
 * wherever a scalar is expected; `resolve.ts` substitutes and checks it later.
 * Literal values come out normalised (numeric strings as numbers, media types
 * lower-case) and with defaults filled in.
 */

/** The validated file: the YAML's shape with defaults, env references still unresolved. */
export type ValidatedTenant = Record<string, unknown>;

// Struct generics add nothing here: the tree is walked by field path afterwards.
type AnyStruct = Struct<any, any>;
type Branch = readonly unknown[];
/** A cross-field check on a literal value; `branch` ends with the value, its parent before it. */
type Check = (value: unknown, branch: Branch) => string | undefined;

export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const parentOf = (branch: Branch, levels = 1): Record<string, unknown> => {
  const node = branch[branch.length - 1 - levels];
  return isMapping(node) ? node : {};
};

/** Why a present scalar value is unacceptable, or undefined when it is fine. */
function scalarProblem(field: FieldSpec, value: unknown): string | undefined {
  const rule = field.rule ?? nonEmptyString;
  if (envRefName(value) !== undefined) {
    if (!field.literalOnly) return undefined;
    return `expected ${rule.expected}, got ${describeValue(value)} (this field decides which other fields apply, so it cannot come from the environment)`;
  }
  if (isMalformedEnvRef(value)) {
    return `expected os.environ/NAME with NAME made of letters, digits and underscores, got ${describeValue(value)}`;
  }
  if (rule.parse(value) !== undefined) return undefined;
  return rule.explain?.(value) ?? `expected ${rule.expected}, got ${describeValue(value, field.secret)}`;
}

function scalar(field: FieldSpec, check?: Check, missing?: string): AnyStruct {
  const rule = field.rule ?? nonEmptyString;
  const base = define<unknown>(field.path, (value, ctx) => {
    if (value === undefined) return missing ?? `required field is missing; expected ${rule.expected}`;
    return scalarProblem(field, value) ?? check?.(value, ctx.branch) ?? true;
  });
  // Normalise literals only; a reference stays as written until resolution.
  return coerce(base, unknown(), (value) =>
    envRefName(value) === undefined && !isMalformedEnvRef(value) ? (rule.parse(value)?.value ?? value) : value,
  );
}

/** A field as its section declares it: required, defaulted or optional. */
function field(spec: FieldSpec, check?: Check): AnyStruct {
  const struct = spec.kind === 'list' ? list(spec) : scalar(spec, check);
  if (spec.required) return struct;
  if (spec.default !== undefined) {
    const fallback = spec.default;
    return defaulted(struct, () => (Array.isArray(fallback) ? [...fallback] : fallback));
  }
  return optional(struct);
}

function list(spec: FieldSpec): AnyStruct {
  const items = array(scalar(spec));
  const expected = spec.rule?.expected ?? 'values';
  return new Struct({
    ...items,
    validator: (value) => Array.isArray(value) || `expected a list of ${expected}, got ${describeValue(value)}`,
  });
}

/** A map of header names to values; `requiredKeys` must be present, else `missing` is the message. */
function headerMap(spec: FieldSpec, requiredKeys: readonly string[], missing: string): AnyStruct {
  const key = scalar({ ...spec, rule: spec.keyRule, path: `${spec.path} key` });
  const value = scalar(spec);
  return new Struct({
    type: 'headers',
    schema: null,
    *entries(input) {
      if (!isMapping(input)) return;
      for (const [k, v] of Object.entries(input)) {
        yield [k, k, key];
        yield [k, v, value];
      }
    },
    coercer: (input) => (isMapping(input) ? { ...input } : input),
    validator: (input, ctx) => {
      if (input === undefined) return missing;
      if (!isMapping(input)) return `expected a mapping of header names to values, got ${describeValue(input)}`;
      return requiredKeys
        .filter((k) => input[k] === undefined)
        .map((k) => ({ path: [...ctx.path, k], message: missing }));
    },
  });
}

/** A value passed through verbatim: only its being a mapping is checked here. */
function verbatim(spec: FieldSpec, check?: (value: Record<string, unknown>, path: readonly unknown[]) => Partial<Failure>[]): AnyStruct {
  return optional(
    define<unknown>(spec.path, (value, ctx) => {
      if (!isMapping(value)) return `expected a mapping, got ${describeValue(value)}`;
      return check?.(value, ctx.path) ?? [];
    }),
  );
}

/** Always fails when present: a field that the chosen mode or instance type does not use. */
function notAllowed(reason: string): AnyStruct {
  return optional(define<unknown>('notAllowed', () => `not allowed ${reason}`));
}

/** A YAML mapping with exactly the given keys; anything else is an "unknown field". */
function section(shape: Record<string, AnyStruct>, spec?: FieldSpec): AnyStruct {
  const struct = object(shape);
  const sectionStruct = new Struct({
    ...struct,
    entries: (value, ctx) => (isMapping(value) ? struct.entries(value, ctx) : [][Symbol.iterator]()),
    validator: (value) => {
      if (isMapping(value)) return true;
      if (value === undefined) return 'required section is missing';
      return `expected a mapping${spec ? '' : ' of tenant settings at the top level'}, got ${describeValue(value)}`;
    },
  });
  return spec && !spec.required ? defaulted(sectionStruct, () => ({})) : sectionStruct;
}

const modeOf = (value: unknown, key: string): unknown => (isMapping(value) ? value[key] : undefined);

const patOnlyOnDataCenter: Check = (value, branch) =>
  value === 'pat' && parentOf(branch, 2).instanceType === 'cloud' ? 'pat is only supported for data-center' : undefined;

const authStructs = {
  oauth_2lo: section({
    mode: field(F.AUTH_MODE, patOnlyOnDataCenter),
    clientId: scalar(F.CLIENT_ID),
    clientSecret: scalar(F.CLIENT_SECRET),
    token: notAllowed('with mode oauth_2lo'),
  }, F.AUTH),
  pat: section({
    mode: field(F.AUTH_MODE, patOnlyOnDataCenter),
    clientId: notAllowed('with mode pat'),
    clientSecret: notAllowed('with mode pat'),
    token: scalar(F.TOKEN),
  }, F.AUTH),
  // Mode missing or wrong: report that, and do not guess which credentials belong.
  unknown: section({
    mode: field(F.AUTH_MODE),
    clientId: optional(scalar(F.CLIENT_ID)),
    clientSecret: optional(scalar(F.CLIENT_SECRET)),
    token: optional(scalar(F.TOKEN)),
  }, F.AUTH),
};
const auth = dynamic((value) => {
  const mode = modeOf(value, 'mode');
  return mode === 'oauth_2lo' || mode === 'pat' ? authStructs[mode] : authStructs.unknown;
});

/** Atlassian Cloud sites are https only; over http the OAuth token and page URLs would travel in clear. */
const httpsOnCloud: Check = (value, branch) =>
  parentOf(branch).instanceType === 'cloud' && typeof value === 'string' && /^http:/i.test(value) ? CLOUD_NEEDS_HTTPS : undefined;
export const CLOUD_NEEDS_HTTPS = 'must start with https:// for cloud (Atlassian Cloud sites are served over https only)';

const labelsDiffer: Check = (value, branch) =>
  value === parentOf(branch).ingestSingleLabel ? 'must differ from ingestSingleLabel' : undefined;

function confluenceStruct(cloudId: AnyStruct): AnyStruct {
  return section({
    instanceType: field(F.INSTANCE_TYPE),
    baseUrl: field(F.BASE_URL, httpsOnCloud),
    cloudId,
    auth,
    apiRateLimitPerMinute: field(F.CONFLUENCE_RATE),
    ingestSingleLabel: field(F.INGEST_SINGLE_LABEL),
    ingestAllLabel: field(F.INGEST_ALL_LABEL, labelsDiffer),
  }, F.CONFLUENCE);
}
const confluenceStructs = {
  cloud: confluenceStruct(scalar(F.CLOUD_ID, undefined, 'required for cloud')),
  'data-center': confluenceStruct(notAllowed('for data-center')),
  unknown: confluenceStruct(optional(scalar(F.CLOUD_ID))),
};
const confluence = dynamic((value) => {
  const type = modeOf(value, 'instanceType');
  return type === 'cloud' || type === 'data-center' ? confluenceStructs[type] : confluenceStructs.unknown;
});

const zitadelFields = [F.ZITADEL_TOKEN_URL, F.ZITADEL_PROJECT_ID, F.ZITADEL_CLIENT_ID, F.ZITADEL_CLIENT_SECRET];
function uniqueStruct(headers: AnyStruct, zitadel: (spec: FieldSpec) => AnyStruct): AnyStruct {
  return section({
    serviceAuthMode: field(F.SERVICE_AUTH_MODE),
    serviceExtraHeaders: headers,
    ...Object.fromEntries(zitadelFields.map((spec) => [F.fieldKey(spec), zitadel(spec)])),
    ingestionServiceBaseUrl: field(F.INGESTION_URL),
    scopeManagementServiceBaseUrl: field(F.SCOPE_URL),
    apiRateLimitPerMinute: field(F.UNIQUE_RATE),
    ingestionConfig: verbatim(F.UNIQUE_INGESTION_CONFIG),
  }, F.UNIQUE);
}
const uniqueStructs = {
  cluster_local: uniqueStruct(
    headerMap(F.SERVICE_EXTRA_HEADERS, F.CLUSTER_LOCAL_HEADERS, 'required for cluster_local'),
    () => notAllowed('with serviceAuthMode cluster_local'),
  ),
  external: uniqueStruct(optional(headerMap(F.SERVICE_EXTRA_HEADERS, [], '')), (spec) =>
    scalar(spec, undefined, 'required for external'),
  ),
  unknown: uniqueStruct(optional(headerMap(F.SERVICE_EXTRA_HEADERS, [], '')), (spec) => optional(scalar(spec))),
};
const unique = dynamic((value) => {
  const mode = modeOf(value, 'serviceAuthMode');
  return mode === 'cluster_local' || mode === 'external' ? uniqueStructs[mode] : uniqueStructs.unknown;
});

/** The vendor's extraction calls a language model for images; without one it fails at ingestion time, so fail here. */
function imageExtractionNeedsModel(value: Record<string, unknown>, path: readonly unknown[]): Partial<Failure>[] {
  const html = value.htmlConfig;
  const extraction = isMapping(html) ? html.imageContentExtraction : undefined;
  if (!isMapping(extraction) || extraction.enabled !== true) return [];
  const model = extraction.languageModel;
  if (typeof model === 'string' && model.trim() !== '') return [];
  return [{
    path: [...path, 'htmlConfig', 'imageContentExtraction', 'languageModel'],
    message: `required when imageContentExtraction is enabled (expected a non-empty string, got ${describeValue(model)})`,
  }];
}

const processing = section({
  concurrency: field(F.CONCURRENCY),
  scanIntervalCron: field(F.SCAN_INTERVAL_CRON),
  maxItemsToScan: field(F.MAX_ITEMS_TO_SCAN),
  maxPageBodyMb: field(F.MAX_PAGE_BODY_MB),
  cycleTimeoutMinutes: field(F.CYCLE_TIMEOUT_MINUTES),
}, F.PROCESSING);

const ingestion = section({
  ingestionMode: field(F.INGESTION_MODE),
  scopeId: field(F.SCOPE_ID),
  storeInternally: field(F.STORE_INTERNALLY),
  useV1KeyFormat: field(F.USE_V1_KEY_FORMAT),
  attachments: section({
    mode: field(F.ATTACHMENTS_MODE),
    allowedMimeTypes: field(F.ALLOWED_MIME_TYPES),
    maxFileSizeMb: field(F.MAX_FILE_SIZE_MB),
    imageOcr: field(F.IMAGE_OCR),
  }, F.ATTACHMENTS),
  pageIngestionConfig: verbatim(F.PAGE_INGESTION_CONFIG, imageExtractionNeedsModel),
  restrictedPages: field(F.RESTRICTED_PAGES),
}, F.INGESTION);

/** The variants behind each `dynamic` section, so a test can list every key the schema knows. */
export const DYNAMIC_VARIANTS: Record<string, readonly AnyStruct[]> = {
  [F.CONFLUENCE.path]: Object.values(confluenceStructs),
  [F.AUTH.path]: Object.values(authStructs),
  [F.UNIQUE.path]: Object.values(uniqueStructs),
};

export const tenantStruct: AnyStruct = section({
  status: field(F.STATUS),
  confluence,
  unique,
  processing,
  ingestion,
});

/** Pure: every failure of the document (not only the first), or the normalised tree. */
export function validateTenant(document: unknown): { value: ValidatedTenant; failures?: undefined } | { value?: undefined; failures: Failure[] } {
  const [error, value] = validate(document, tenantStruct, { coerce: true });
  if (error) return { failures: error.failures() };
  return { value: value as ValidatedTenant };
}
