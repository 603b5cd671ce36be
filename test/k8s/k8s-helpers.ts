import { readdirSync, readFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, parse } from 'yaml';
import type { TypeMeta } from '@kubernetes-models/base';
import { Deployment, type IDeployment } from 'kubernetes-models/apps/v1';
import { CronJob, type ICronJob } from 'kubernetes-models/batch/v1';
import { NetworkPolicy, type INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PrometheusRule, ServiceMonitor } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import {
  ConfigMap,
  Namespace,
  Secret,
  Service,
  ServiceAccount,
  type IConfigMap,
  type IContainer,
  type IPodTemplateSpec,
  type ISecret,
  type IService,
  type IServiceAccount,
} from 'kubernetes-models/v1';

/**
 * Reading the Dockerfile and the manifests under k8s/ for the deployment tests, and
 * checking each object against the Kubernetes schemas (kubernetes-models, offline).
 */

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const K8S_DIR = join(ROOT, 'k8s');

/** Every kind the manifests may use, with its schema. A kind missing here fails the tests. */
const MODELS: Record<string, { validate(data: object): void }> = {
  'v1/Namespace': { validate: (data) => new Namespace(data as never).validate() },
  'v1/ServiceAccount': { validate: (data) => new ServiceAccount(data as never).validate() },
  'v1/ConfigMap': { validate: (data) => new ConfigMap(data as never).validate() },
  'v1/Secret': { validate: (data) => new Secret(data as never).validate() },
  'v1/Service': { validate: (data) => new Service(data as never).validate() },
  'apps/v1/Deployment': { validate: (data) => new Deployment(data as never).validate() },
  'batch/v1/CronJob': { validate: (data) => new CronJob(data as never).validate() },
  'networking.k8s.io/v1/NetworkPolicy': { validate: (data) => new NetworkPolicy(data as never).validate() },
  'monitoring.coreos.com/v1/PrometheusRule': { validate: (data) => new PrometheusRule(data as never).validate() },
  'monitoring.coreos.com/v1/ServiceMonitor': { validate: (data) => new ServiceMonitor(data as never).validate() },
};

export interface Manifest {
  /** Relative to the repository root, e.g. `k8s/deployment.yaml`. */
  file: string;
  object: TypeMeta & { metadata?: { name?: string; namespace?: string } };
}

/** Throws with the file and the schema's message when an object does not fit its kind. */
export function validateObject(manifest: Manifest): void {
  const key = `${manifest.object.apiVersion}/${manifest.object.kind}`;
  const model = MODELS[key];
  if (!model) throw new Error(`${manifest.file}: no schema for ${key}; add it to MODELS in test/k8s/k8s-helpers.ts`);
  try {
    model.validate(manifest.object);
  } catch (error) {
    throw new Error(`${manifest.file}: ${key} ${manifest.object.metadata?.name ?? ''}: ${(error as Error).message}`);
  }
}

export function parseManifests(file: string, text: string): Manifest[] {
  return parseAllDocuments(text).flatMap((document) => {
    if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
    const object: unknown = document.toJS();
    if (object === null || object === undefined) return [];
    return [{ file, object: object as Manifest['object'] }];
  });
}

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return yamlFiles(path);
      return /\.ya?ml$/.test(entry.name) ? [path] : [];
    })
    .sort();
}

export const isKustomization = (file: string): boolean => /(^|\/)kustomization\.ya?ml$/.test(file);
/** Tenant files under a `tenants/` folder are configMapGenerator input, not Kubernetes objects. */
export const isTenantFile = (file: string): boolean => /(^|\/)tenants\/[^/]+$/.test(file);
export const isExample = (file: string): boolean => file.endsWith('.example.yaml');
/** A filled-in copy of a Secret example (k8s/.gitignore keeps it out of git): never read by the tests. */
export const isLocalSecret = (file: string): boolean => /(^|\/)secret(-[^/]*)?\.yaml$/.test(file) && !isExample(file);

/** Every manifest file under k8s/ (kustomizations apart), one entry per object. */
export function loadManifests(): Manifest[] {
  return yamlFiles(K8S_DIR)
    .map((path) => relative(ROOT, path))
    .filter((file) => !isKustomization(file) && !isLocalSecret(file) && !isTenantFile(file))
    .flatMap((file) => parseManifests(file, readFileSync(join(ROOT, file), 'utf8')));
}

interface ConfigMapGenerator {
  name: string;
  files?: string[];
  options?: { labels?: Record<string, string>; disableNameSuffixHash?: boolean };
}

/**
 * The ConfigMaps the kustomizations generate from files (tenant files, the dashboard), as
 * manifests whose `file` is the kustomization: what kustomize renders, before the name hash.
 */
export function generatedConfigMaps(kustomizations: readonly Kustomization[]): Manifest[] {
  return kustomizations.flatMap((k) =>
    (k.configMapGenerator ?? []).map((generator) => ({
      file: k.file,
      object: {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: generator.name, ...(generator.options?.labels ? { labels: generator.options.labels } : {}) },
        data: Object.fromEntries((generator.files ?? []).map((path) => [basename(path), readFileSync(join(ROOT, k.dir, path), 'utf8')])),
      } as Manifest['object'],
    })),
  );
}

export interface Kustomization {
  file: string;
  dir: string;
  namespace?: string;
  resources?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
  configMapGenerator?: ConfigMapGenerator[];
  labels?: { pairs: Record<string, string>; includeSelectors?: boolean; includeTemplates?: boolean }[];
}

export function loadKustomizations(): Kustomization[] {
  return yamlFiles(K8S_DIR)
    .map((path) => relative(ROOT, path))
    .filter(isKustomization)
    .map((file) => ({ file, dir: file.slice(0, file.lastIndexOf('/')), ...(parse(readFileSync(join(ROOT, file), 'utf8')) as object) }));
}

export function byKind<T>(manifests: readonly Manifest[], kind: string): (T & { file: string })[] {
  return manifests.filter((m) => m.object.kind === kind).map((m) => ({ ...(m.object as T), file: m.file }));
}

export type DeploymentManifest = IDeployment & { file: string };
export type CronJobManifest = ICronJob & { file: string };
export type ConfigMapManifest = IConfigMap & { file: string };
export type SecretManifest = ISecret & { file: string };
export type ServiceManifest = IService & { file: string };
export type ServiceAccountManifest = IServiceAccount & { file: string };
export type NetworkPolicyManifest = INetworkPolicy & { file: string };

/** A pod template with the workload that owns it, for checks every pod must pass. */
export interface Workload {
  name: string;
  file: string;
  template: IPodTemplateSpec;
  container: IContainer;
}

export function workloads(manifests: readonly Manifest[]): Workload[] {
  const deployments = byKind<IDeployment>(manifests, 'Deployment').map((d) => ({ name: d.metadata?.name ?? '', file: d.file, template: d.spec?.template }));
  const cronJobs = byKind<ICronJob>(manifests, 'CronJob').map((c) => ({ name: c.metadata?.name ?? '', file: c.file, template: c.spec?.jobTemplate.spec?.template }));
  return [...deployments, ...cronJobs].map((w) => {
    if (!w.template?.spec) throw new Error(`${w.file}: ${w.name} has no pod template`);
    const [container, ...others] = w.template.spec.containers;
    if (!container || others.length > 0) throw new Error(`${w.file}: ${w.name} should run exactly one container`);
    return { name: w.name, file: w.file, template: w.template, container };
  });
}

/** Tenant files (ConfigMap key → text) of a ConfigMap. */
export function tenantFiles(configMap: IConfigMap): [string, string][] {
  return Object.entries(configMap.data ?? {});
}

/** The `os.environ/NAME` references in a tenant file's text (comments included: a commented reference is harmless). */
export function envReferences(text: string): string[] {
  return [...new Set([...text.matchAll(/os\.environ\/([A-Za-z_][A-Za-z0-9_]*)/g)].map((match) => match[1] as string))].sort();
}

const escapeRegExp = (text: string): string => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** A Docker-style glob (`*` within one path segment) as a regular expression. */
export function globRegExp(glob: string): RegExp {
  const escaped = glob.split('*').map(escapeRegExp);
  return new RegExp(`^${escaped.join('[^/]*')}$`);
}

export interface Dockerfile {
  stages: { from: string; name?: string; instructions: { op: string; args: string }[] }[];
  /** Global ARG defaults (before the first FROM), substituted into FROM lines. */
  args: Record<string, string>;
}

/** Just enough of the Dockerfile grammar for these checks: comments, line continuations, stages. */
export function parseDockerfile(text: string): Dockerfile {
  const lines = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const result: Dockerfile = { stages: [], args: {} };
  for (const line of lines) {
    const [, opRaw = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const op = opRaw.toUpperCase();
    const stage = result.stages.at(-1);
    if (op === 'FROM') {
      const [image = '', , name] = args.split(/\s+/);
      const from = image.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => result.args[(a ?? b) as string] ?? '');
      result.stages.push({ from, name, instructions: [] });
    } else if (!stage && op === 'ARG') {
      const [key = '', value = ''] = args.split('=');
      result.args[key] = value;
    } else if (stage) {
      stage.instructions.push({ op, args });
    }
  }
  return result;
}

/** One `.dockerignore` pattern: `*` within a path segment, `**` any number of directories. */
function dockerignoreRegExp(pattern: string): RegExp {
  let source = '';
  for (const segment of pattern.split('/')) {
    source += segment === '**' ? '(?:[^/]+/)*' : `${escapeRegExp(segment).replace(/\*/g, '[^/]*')}/`;
  }
  // A matched directory covers everything below it.
  return new RegExp(`^${source.replace(/\/$/, '')}(?:/.*)?$`);
}

/** `.dockerignore` semantics for the patterns it uses: the last match wins and `!` re-includes. */
export function dockerIgnored(patterns: readonly string[], path: string): boolean {
  let ignored = false;
  for (const raw of patterns) {
    const negate = raw.startsWith('!');
    if (dockerignoreRegExp((negate ? raw.slice(1) : raw).replace(/^\/+|\/+$/g, '')).test(path)) ignored = !negate;
  }
  return ignored;
}

export function dockerignorePatterns(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}
