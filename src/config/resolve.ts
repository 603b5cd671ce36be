import { Secret } from '../secret.js';
import { problemLine, sortProblems } from './errors.js';
import { BASE_URL, FIELDS, INGEST_ALL_LABEL, fieldKey, type FieldSpec } from './fields.js';
import { describeValue, envRefName, nonEmptyString } from './rules.js';
import { CLOUD_NEEDS_HTTPS, isMapping, type ValidatedTenant } from './schema.js';
import type { ConfluenceAuth, CredentialSource, TenantConfig, TenantStatus, UniqueConfig } from './types.js';

/**
 * Step two: substitute `os.environ/NAME` references in a validated tree and build
 * the `TenantConfig`. Structure is not checked again; only values that came from
 * the environment are checked, against the same rule their field uses for literals.
 */

export interface ResolveOutcome {
  config?: TenantConfig;
  problems: string[];
  warnings: string[];
}

type Tree = Record<string, unknown>;

/** Environment variable names that hold credentials by convention (`CONFLUENCE_PAT`, `ZITADEL_CLIENT_SECRET`...). */
const SECRET_VARIABLE = /(SECRET|TOKEN|PASSWORD|PASSWD|CREDENTIAL|PRIVATE|API_?KEY)|(^|_)PAT(_|$)/i;

interface Context {
  file: string;
  env: NodeJS.ProcessEnv;
  problems: { path: string; line: string }[];
  warnings: string[];
  /** Paths whose value came from the environment, for the checks that compare fields. */
  fromEnv: Set<string>;
  /** Path → the environment variable it names, so an auth failure can say which one to check. */
  envNames: Map<string, string>;
}

function nodeAt(tree: Tree, path: string): Tree | undefined {
  let node: unknown = tree;
  for (const key of path.split('.')) node = isMapping(node) ? node[key] : undefined;
  return isMapping(node) ? node : undefined;
}

function resolveScalar(spec: FieldSpec, value: unknown, path: string, ctx: Context): unknown {
  const name = envRefName(value);
  if (name === undefined) {
    if (spec.secret) ctx.warnings.push(problemLine(ctx.file, path, 'secret is written in the file; prefer os.environ/NAME'));
    return value;
  }
  ctx.fromEnv.add(path);
  ctx.envNames.set(path, name);
  const raw = ctx.env[name];
  const report = (message: string): undefined => {
    ctx.problems.push({ path, line: problemLine(ctx.file, path, `environment variable ${name} ${message}`) });
    return undefined;
  };
  if (raw === undefined) return report('is not set');
  if (raw === '') return report('is empty');
  const rule = spec.rule ?? nonEmptyString;
  const parsed = rule.parse(raw);
  // A reference to a credential variable from a field that is not secret (a typo, a
  // copy-paste) must not print the credential: mask by the variable's name as well.
  const masked = spec.secret === true || SECRET_VARIABLE.test(name);
  if (parsed === undefined) {
    const reason = rule.explain?.(raw);
    return report(reason === undefined ? `has a value that is not ${rule.expected}: got ${describeValue(raw, masked)}` : `has a value that ${reason}`);
  }
  return parsed.value;
}

/** Replaces every reference in place; the tree is the schema's fresh copy, not the caller's. */
function resolveReferences(tree: Tree, ctx: Context): void {
  for (const spec of FIELDS) {
    if (spec.kind === 'section' || spec.kind === 'verbatim') continue;
    const parentPath = spec.path.includes('.') ? spec.path.slice(0, spec.path.lastIndexOf('.')) : '';
    const holder = parentPath === '' ? tree : nodeAt(tree, parentPath);
    const key = fieldKey(spec);
    const value = holder?.[key];
    if (holder === undefined || value === undefined) continue;
    if (spec.kind === 'scalar') holder[key] = resolveScalar(spec, value, spec.path, ctx);
    else if (spec.kind === 'list' && Array.isArray(value)) {
      holder[key] = value.map((item, i) => resolveScalar(spec, item, `${spec.path}[${i}]`, ctx));
    } else if (spec.kind === 'map' && isMapping(value)) {
      for (const [k, v] of Object.entries(value)) value[k] = resolveScalar(spec, v, `${spec.path}.${k}`, ctx);
    }
  }
}

/** Literal labels were compared by the schema; a label from the environment is only known now. */
function checkResolvedLabels(tree: Tree, ctx: Context): void {
  const confluence = nodeAt(tree, 'confluence');
  const involvesEnv = ctx.fromEnv.has('confluence.ingestSingleLabel') || ctx.fromEnv.has(INGEST_ALL_LABEL.path);
  if (involvesEnv && confluence?.ingestAllLabel !== undefined && confluence.ingestAllLabel === confluence.ingestSingleLabel) {
    ctx.problems.push({
      path: INGEST_ALL_LABEL.path,
      line: problemLine(ctx.file, INGEST_ALL_LABEL.path, 'must differ from ingestSingleLabel (after resolving os.environ/ references)'),
    });
  }
}

/** A literal baseUrl was checked by the schema; one from the environment is only known now. */
function checkResolvedBaseUrl(tree: Tree, ctx: Context): void {
  const confluence = nodeAt(tree, 'confluence');
  const baseUrl = confluence?.baseUrl;
  if (!ctx.fromEnv.has(BASE_URL.path) || confluence?.instanceType !== 'cloud' || typeof baseUrl !== 'string' || !/^http:/i.test(baseUrl)) return;
  ctx.problems.push({ path: BASE_URL.path, line: problemLine(ctx.file, BASE_URL.path, `${CLOUD_NEEDS_HTTPS} (after resolving os.environ/ references)`) });
}

const on = (value: unknown): boolean => value === 'enabled';
const str = (node: Tree, key: string): string => node[key] as string;
const num = (node: Tree, key: string): number => node[key] as number;

/** Only called on a tree without problems, so every field the schema requires is present and well-typed. */
function build(tree: Tree, name: string, file: string, envNames: ReadonlyMap<string, string>): TenantConfig {
  const c = tree.confluence as Tree;
  const a = c.auth as Tree;
  const u = tree.unique as Tree;
  const p = tree.processing as Tree;
  const i = tree.ingestion as Tree;
  const att = i.attachments as Tree;

  const auth: ConfluenceAuth =
    a.mode === 'pat'
      ? { mode: 'pat', token: new Secret(str(a, 'token')) }
      : { mode: 'oauth_2lo', clientId: str(a, 'clientId'), clientSecret: new Secret(str(a, 'clientSecret')) };

  // Where each field came from (file, or the variable it names): for the hints of auth failures.
  const sources = (prefix: string): CredentialSource => ({
    file,
    env: Object.fromEntries([...envNames].filter(([path]) => path.startsWith(prefix))),
  });

  const common = {
    credentialSource: sources('unique.'),
    ingestionServiceBaseUrl: str(u, 'ingestionServiceBaseUrl'),
    scopeManagementServiceBaseUrl: str(u, 'scopeManagementServiceBaseUrl'),
    apiRateLimitPerMinute: num(u, 'apiRateLimitPerMinute'),
    serviceExtraHeaders: { ...((u.serviceExtraHeaders as Record<string, string> | undefined) ?? {}) },
    ...(u.ingestionConfig === undefined ? {} : { deprecatedIngestionConfig: u.ingestionConfig as Record<string, unknown> }),
  };
  const unique: UniqueConfig =
    u.serviceAuthMode === 'external'
      ? {
          ...common,
          serviceAuthMode: 'external',
          zitadelOauthTokenUrl: str(u, 'zitadelOauthTokenUrl'),
          zitadelProjectId: str(u, 'zitadelProjectId'),
          zitadelClientId: str(u, 'zitadelClientId'),
          zitadelClientSecret: new Secret(str(u, 'zitadelClientSecret')),
        }
      : { ...common, serviceAuthMode: 'cluster_local' };

  return {
    name,
    file,
    status: tree.status as TenantStatus,
    confluence: {
      instanceType: c.instanceType as 'cloud' | 'data-center',
      baseUrl: str(c, 'baseUrl'),
      ...(c.cloudId === undefined ? {} : { cloudId: str(c, 'cloudId') }),
      auth,
      credentialSource: sources('confluence.'),
      apiRateLimitPerMinute: num(c, 'apiRateLimitPerMinute'),
      ingestSingleLabel: str(c, 'ingestSingleLabel'),
      ingestAllLabel: str(c, 'ingestAllLabel'),
    },
    unique,
    processing: {
      concurrency: num(p, 'concurrency'),
      scanIntervalCron: str(p, 'scanIntervalCron'),
      ...(p.maxItemsToScan === undefined ? {} : { maxItemsToScan: num(p, 'maxItemsToScan') }),
      maxPageBodyMb: num(p, 'maxPageBodyMb'),
      ...(p.cycleTimeoutMinutes === undefined ? {} : { cycleTimeoutMinutes: num(p, 'cycleTimeoutMinutes') }),
    },
    ingestion: {
      ingestionMode: 'flat',
      scopeId: str(i, 'scopeId'),
      storeInternally: on(i.storeInternally),
      useV1KeyFormat: on(i.useV1KeyFormat),
      attachments: {
        enabled: on(att.mode),
        allowedMimeTypes: [...new Set(att.allowedMimeTypes as string[])],
        maxFileSizeMb: num(att, 'maxFileSizeMb'),
        imageOcr: on(att.imageOcr),
      },
      ...(i.pageIngestionConfig === undefined ? {} : { pageIngestionConfig: i.pageIngestionConfig as Record<string, unknown> }),
      restrictedPages: i.restrictedPages === 'ingest' ? 'ingest' : 'skip',
    },
  };
}

/** Resolves references against `env` and builds the config; any problem means no config. */
export function resolveTenant(validated: ValidatedTenant, name: string, file: string, env: NodeJS.ProcessEnv): ResolveOutcome {
  const ctx: Context = { file, env, problems: [], warnings: [], fromEnv: new Set(), envNames: new Map() };
  resolveReferences(validated, ctx);
  checkResolvedLabels(validated, ctx);
  checkResolvedBaseUrl(validated, ctx);
  const problems = sortProblems(ctx.problems);
  if (problems.length > 0) return { problems, warnings: ctx.warnings };
  return { config: build(validated, name, file, ctx.envNames), problems, warnings: ctx.warnings };
}
