import t from 'tap';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parse } from 'yaml';
import type { INetworkPolicyPeer, INetworkPolicyPort } from 'kubernetes-models/networking.k8s.io/v1';
import { Registry } from 'prom-client';
import { DEFAULT_GRACE_MS } from '../../src/daemon.js';
import type { HealthService } from '../../src/health/index.js';
import { createLogger } from '../../src/log.js';
import { DEFAULT_PORT, listenAddress, startServer } from '../../src/server.js';
import { Capture } from '../helpers/capture.js';
import { runCli } from '../../src/cli.js';
import { cycleDeadlineMinutes } from '../../src/cycle-deadline.js';
import { TENANT_FILE_SUFFIX, TENANT_NAME_PATTERN, parseTenantFile } from '../../src/config/load.js';
import {
  ROOT,
  byKind,
  envReferences,
  generatedConfigMaps,
  globRegExp,
  isExample,
  isLocalSecret,
  loadKustomizations,
  loadManifests,
  parseDockerfile,
  parseManifests,
  tenantFiles,
  validateObject,
  workloads,
  type ConfigMapManifest,
  type CronJobManifest,
  type DeploymentManifest,
  type NetworkPolicyManifest,
  type SecretManifest,
  type ServiceAccountManifest,
  type ServiceManifest,
  type Workload,
} from './k8s-helpers.js';

/**
 * The manifests under k8s/ checked against each other, the Kubernetes schemas, the
 * Dockerfile and the code: what `kubectl apply -k k8s/` would deploy must start, be
 * probed on the port the daemon listens on, and find every secret its tenants name.
 */

const kustomizations = loadKustomizations();
const manifests = [...loadManifests(), ...generatedConfigMaps(kustomizations)];
const deployments = byKind<DeploymentManifest>(manifests, 'Deployment');
const cronJobs = byKind<CronJobManifest>(manifests, 'CronJob');
/** The ConfigMaps of tenant files (the dashboard's is another). */
const configMaps = byKind<ConfigMapManifest>(manifests, 'ConfigMap').filter((c) => c.metadata?.labels?.['app.kubernetes.io/component'] === 'tenant-config');
/** The kustomizations that deploy the connector (monitoring/ deploys no pod). */
const workloadKustomizations = kustomizations.filter((k) => k.dir !== 'k8s/monitoring');
const secrets = byKind<SecretManifest>(manifests, 'Secret');
const services = byKind<ServiceManifest>(manifests, 'Service');
const serviceAccounts = byKind<ServiceAccountManifest>(manifests, 'ServiceAccount');
const networkPolicies = byKind<NetworkPolicyManifest>(manifests, 'NetworkPolicy');
const pods = workloads(manifests);
const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.stages.at(-1);

const NAMESPACE = 'confluence-connector';
const CONFIG_PATTERN = 'TENANT_CONFIG_PATH_PATTERN';

function only<T>(items: readonly T[], what: string): T {
  if (items.length !== 1) throw new Error(`expected exactly one ${what}, found ${items.length}`);
  return items[0] as T;
}
const deployment = only(deployments, 'Deployment');
const daemon = only(pods.filter((pod) => pod.file === deployment.file), 'daemon pod');
const service = only(services, 'Service');
const networkPolicy = only(networkPolicies, 'NetworkPolicy');

function instruction(op: string): string | undefined {
  return runtime?.instructions.findLast((i) => i.op === op)?.args;
}
const EXPOSED_PORT = Number(instruction('EXPOSE'));
const IMAGE_USER = instruction('USER') ?? '';
const HEAP_CAP_MB = Number(/--max-old-space-size=(\d+)/.exec(instruction('ENTRYPOINT') ?? '')?.[1]);

/** Mebibytes of a Kubernetes memory quantity (Mi and Gi are all these manifests use). */
function mebibytes(quantity: string | number | undefined): number {
  const match = /^(\d+)(Mi|Gi)$/.exec(String(quantity));
  if (!match) throw new Error(`unexpected memory quantity ${String(quantity)}`);
  return Number(match[1]) * (match[2] === 'Gi' ? 1024 : 1);
}

function containerPort(pod: Workload, port: string | number | undefined): number | undefined {
  if (typeof port === 'number') return port;
  return pod.container.ports?.find((p) => p.name === port)?.containerPort;
}

function envValue(pod: Workload, name: string): string | undefined {
  return pod.container.env?.find((e) => e.name === name)?.value;
}

function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector ?? {}).every(([key, value]) => labels?.[key] === value);
}

/** The environment a pod's container gets: its literal env, plus the Secret examples it pulls in. */
function podEnvironment(pod: Workload): { env: NodeJS.ProcessEnv; missingSecrets: string[] } {
  const env: NodeJS.ProcessEnv = {};
  const missingSecrets: string[] = [];
  const secretData = (name: string): Record<string, string> | undefined => {
    const secret = secrets.find((s) => s.metadata?.name === name);
    if (!secret) missingSecrets.push(name);
    return secret ? { ...secret.data, ...secret.stringData } : undefined;
  };
  for (const source of pod.container.envFrom ?? []) {
    if (source.secretRef?.name) Object.assign(env, secretData(source.secretRef.name));
  }
  for (const entry of pod.container.env ?? []) {
    const ref = entry.valueFrom?.secretKeyRef;
    env[entry.name] = ref ? secretData(ref.name ?? '')?.[ref.key] : entry.value;
  }
  return { env, missingSecrets };
}

/** The tenant files a pod reads: the ConfigMap mounted where TENANT_CONFIG_PATH_PATTERN points, filtered by the pattern. */
function podTenants(pod: Workload): { path: string; text: string; configMap: string }[] {
  const pattern = envValue(pod, CONFIG_PATTERN) ?? '';
  const matches = globRegExp(pattern);
  return (pod.container.volumeMounts ?? []).flatMap((mount) => {
    const volume = pod.template.spec?.volumes?.find((v) => v.name === mount.name);
    const configMap = configMaps.find((c) => c.metadata?.name === volume?.configMap?.name);
    if (!configMap) return [];
    return tenantFiles(configMap)
      .map(([key, text]) => ({ path: `${mount.mountPath}/${key}`, text, configMap: configMap.metadata?.name ?? '' }))
      .filter((tenant) => matches.test(tenant.path));
  });
}

t.test('every manifest fits the Kubernetes schema of its kind', async (t) => {
  t.ok(manifests.length >= 10, `found ${manifests.length} objects under k8s/`);
  for (const manifest of manifests) {
    t.doesNotThrow(() => validateObject(manifest), `${manifest.file}: ${manifest.object.kind} ${manifest.object.metadata?.name}`);
  }
  for (const pod of pods) {
    t.equal(pod.template.metadata?.labels?.['app.kubernetes.io/name'], 'confluence-connector', `${pod.name}: pods carry the name label the NetworkPolicy selects`);
  }
});

t.test('each kustomization lists its manifests and leaves the Secret examples out', async (t) => {
  t.same(kustomizations.map((k) => k.dir).sort(), ['k8s', 'k8s/monitoring', 'k8s/scale-out']);
  for (const kustomization of kustomizations) {
    t.equal(kustomization.namespace, NAMESPACE, `${kustomization.file}: namespace`);
    const resources = kustomization.resources ?? [];
    for (const resource of resources) t.ok(existsSync(join(ROOT, kustomization.dir, resource)), `${kustomization.file}: ${resource} exists`);
    const files = readdirSync(join(ROOT, kustomization.dir)).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml' && !isLocalSecret(f));
    for (const file of files) {
      if (isExample(file)) t.notOk(resources.includes(file), `${file} is an example: applying it would overwrite the real Secret with placeholders`);
      else t.ok(resources.includes(file), `${kustomization.file} lists ${file}`);
    }
  }
  for (const secret of secrets) t.ok(isExample(secret.file), `${secret.file}: Secrets live only in *.example.yaml files`);
});

t.test('tenant files are real files in tenants/, each one generated into its kustomization\'s ConfigMap', async (t) => {
  for (const kustomization of workloadKustomizations) {
    const dir = join(ROOT, kustomization.dir, 'tenants');
    const files = readdirSync(dir).filter((f) => !f.startsWith('.')).sort();
    t.ok(files.length > 0, `${kustomization.dir}/tenants holds tenant files`);
    const generated = (kustomization.configMapGenerator ?? []).flatMap((g) => g.files ?? []).sort();
    t.same(generated, files.map((f) => `tenants/${f}`), `${kustomization.file}: its configMapGenerator lists every file in tenants/`);
    for (const generator of kustomization.configMapGenerator ?? []) {
      // A name hash makes a changed tenant file a new ConfigMap, so the pod (or the next Job) picks it up.
      t.not(generator.options?.disableNameSuffixHash, true, `${kustomization.file}: ${generator.name} keeps the name hash, so a changed tenant rolls the pod`);
    }
    for (const file of files) {
      const text = readFileSync(join(dir, file), 'utf8');
      t.match(text.split('\n')[0], /^# yaml-language-server: \$schema=(\.\.\/)+config\/tenant-config\.schema\.json$/, `${file}: editors complete and check it against the schema`);
      const schema = /\$schema=(\S+)/.exec(text)?.[1] ?? '';
      t.ok(existsSync(join(dir, schema)), `${file}: the schema path resolves`);
    }
  }
});

t.test('the Secret examples hold placeholders, never values', async (t) => {
  t.ok(secrets.length > 0);
  for (const secret of secrets) {
    t.equal(secret.data, undefined, `${secret.file}: stringData only, so a placeholder reads as one`);
    for (const [key, value] of Object.entries(secret.stringData ?? {})) {
      t.match(value, /^<[a-z0-9-]+>$/, `${secret.file}: ${key} is a <placeholder>`);
    }
  }
});

t.test('the image is the same in the daemon and every CronJob, in the manifests and in both kustomizations', async (t) => {
  t.ok(cronJobs.length > 0, 'scale-out has CronJobs');
  for (const pod of pods) t.equal(pod.container.image, daemon.container.image, `${pod.name}: image`);
  const images = workloadKustomizations.map((k) => k.images?.find((i) => i.name === daemon.container.image));
  for (const [i, image] of images.entries()) t.ok(image?.newName && image.newTag, `${workloadKustomizations[i]?.file}: sets the image's registry name and tag`);
  t.same(images[0], images[1], 'both kustomizations map the image to the same name and tag');
});

t.test('the daemon listens, is probed and scraped on the port the image exposes', async (t) => {
  t.equal(EXPOSED_PORT, 51349, 'Dockerfile EXPOSE');
  const http = daemon.container.ports?.find((p) => p.name === 'http');
  t.equal(http?.containerPort, EXPOSED_PORT, 'containerPort');
  t.equal(envValue(daemon, 'PORT'), String(EXPOSED_PORT), 'PORT, the daemon reads it');
  for (const probe of ['livenessProbe', 'readinessProbe'] as const) {
    const get = daemon.container[probe]?.httpGet;
    t.equal(get?.path, '/probe', `${probe} path`);
    t.equal(containerPort(daemon, get?.port), EXPOSED_PORT, `${probe} port`);
  }
  const annotations = daemon.template.metadata?.annotations ?? {};
  t.equal(annotations['prometheus.io/scrape'], 'true');
  t.equal(annotations['prometheus.io/port'], String(EXPOSED_PORT));
  t.equal(annotations['prometheus.io/path'], '/metrics');
  const servicePort = only(service.spec?.ports ?? [], 'Service port');
  t.equal(servicePort.port, EXPOSED_PORT, 'Service port');
  t.equal(containerPort(daemon, servicePort.targetPort), EXPOSED_PORT, 'Service targetPort');
  t.ok(labelsMatch(service.spec?.selector, daemon.template.metadata?.labels), 'the Service selects the daemon pod');
  for (const pod of pods.filter((p) => p !== daemon)) {
    t.notOk(labelsMatch(service.spec?.selector, pod.template.metadata?.labels), `the Service does not select ${pod.name}, which serves nothing`);
  }
  const ingressPorts = (networkPolicy.spec?.ingress ?? []).flatMap((rule) => rule.ports ?? []).map((p) => p.port);
  t.same(ingressPorts, [EXPOSED_PORT], 'the NetworkPolicy admits the HTTP port only');
});

t.test('only the monitoring namespace may connect to the metrics and health port, set in one place', async (t) => {
  const rules = networkPolicy.spec?.ingress ?? [];
  t.equal(rules.length, 1, 'one ingress rule');
  const peers = rules[0]?.from ?? [];
  t.equal(peers.length, 1, 'one peer: not open to every namespace');
  const selector = peers[0]?.namespaceSelector?.matchLabels ?? {};
  t.same(Object.keys(selector), ['kubernetes.io/metadata.name'], 'selected by the namespace name label Kubernetes sets itself');
  t.equal(peers[0]?.podSelector, undefined);
  const monitoring = selector['kubernetes.io/metadata.name'];
  t.ok(monitoring, `the monitoring namespace: ${monitoring}`);
  const mentions = manifests.filter((m) => JSON.stringify(m.object).includes(`"${monitoring}"`)).map((m) => m.file);
  t.same([...new Set(mentions)], [networkPolicy.file], 'named in the NetworkPolicy and nowhere else');
  t.match(readFileSync(join(ROOT, 'README.md'), 'utf8'), /k8s\/networkpolicy\.yaml/, 'the README tells operators where to set it');
});

/** Labels every object carries (kustomize adds them to every object of a kustomization). */
const RECOMMENDED = ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'app.kubernetes.io/version', 'app.kubernetes.io/managed-by', 'app.kubernetes.io/component'];

t.test('every object carries the recommended app.kubernetes.io labels, the version of the package and the image', async (t) => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const kustomization of kustomizations) {
    const pairs = Object.assign({}, ...(kustomization.labels ?? []).map((l) => l.pairs)) as Record<string, string>;
    t.equal(pairs['app.kubernetes.io/version'], pkg.version, `${kustomization.file}: version label is package.json's`);
    t.equal(pairs['app.kubernetes.io/name'], 'confluence-connector');
    for (const entry of kustomization.labels ?? []) t.equal(entry.includeSelectors, false, `${kustomization.file}: selectors keep only their own labels`);
    const image = kustomization.images?.[0];
    if (image) t.equal(image.newTag, pkg.version, `${kustomization.file}: the image tag is the version`);
    const own = manifests.filter((m) => m.file === kustomization.file || (m.file.startsWith(`${kustomization.dir}/`) && !m.file.slice(kustomization.dir.length + 1).includes('/')));
    for (const manifest of own.filter((m) => !isExample(m.file))) {
      const labels = { ...pairs, ...(manifest.object as { metadata?: { labels?: Record<string, string> } }).metadata?.labels };
      for (const label of RECOMMENDED) t.ok(labels[label], `${manifest.file}: ${manifest.object.kind} ${manifest.object.metadata?.name} has ${label}`);
    }
  }
  for (const secret of secrets) {
    for (const label of ['app.kubernetes.io/name', 'app.kubernetes.io/part-of', 'app.kubernetes.io/component']) t.ok(secret.metadata?.labels?.[label], `${secret.file}: ${label}`);
  }
});

t.test('the daemon code listens where the manifests probe and scrape it', async (t) => {
  t.equal(DEFAULT_PORT, EXPOSED_PORT, 'the default port is the one the image exposes');
  t.equal(listenAddress({ PORT: envValue(daemon, 'PORT') }).port, EXPOSED_PORT, 'the Deployment\'s PORT is read as the containerPort');
  const server = await startServer({
    port: 0,
    host: '127.0.0.1',
    // /probe and /metrics never consult health; /health is not a probe.
    health: { check: async () => ({ status: 'up' }) } as unknown as HealthService,
    registry: new Registry(),
    logger: createLogger({ stream: new Capture(), level: 'error' }),
  });
  t.teardown(() => server.close());
  const paths = [
    daemon.container.livenessProbe?.httpGet?.path,
    daemon.container.readinessProbe?.httpGet?.path,
    daemon.template.metadata?.annotations?.['prometheus.io/path'],
  ];
  for (const path of paths) {
    const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
    await response.arrayBuffer();
    t.equal(response.status, 200, `GET ${path} answers 200`);
  }
});

t.test('the pod outlives the daemon\'s graceful stop', async (t) => {
  const grace = (deployment.spec?.template.spec?.terminationGracePeriodSeconds ?? 30) * 1000;
  // start exits within DEFAULT_GRACE_MS plus 2 s after SIGTERM; the kubelet kills at the grace period.
  t.ok(grace > DEFAULT_GRACE_MS + 2000, `terminationGracePeriodSeconds ${grace / 1000} s > ${(DEFAULT_GRACE_MS + 2000) / 1000} s`);
});

t.test('the daemon runs `start` as one replica that never overlaps a second one', async (t) => {
  t.equal(deployment.spec?.replicas, 1);
  t.equal(deployment.spec?.strategy?.type, 'Recreate');
  t.same(daemon.container.args ?? JSON.parse(instruction('CMD') ?? '[]'), ['start']);
  t.ok(labelsMatch(deployment.spec?.selector.matchLabels, daemon.template.metadata?.labels), 'the selector matches the pod');
});

t.test('every pod is unprivileged, read-only and sized for the image heap cap', async (t) => {
  t.match(IMAGE_USER, /^\d+(:\d+)?$/, 'the image USER is numeric, so runAsNonRoot can verify it');
  const [imageUid, imageGid] = IMAGE_USER.split(':').map(Number);
  t.ok(HEAP_CAP_MB > 0, 'the ENTRYPOINT caps the heap');
  for (const pod of pods) {
    const spec = pod.template.spec;
    const container = pod.container;
    const name = pod.name;
    const account = serviceAccounts.find((a) => a.metadata?.name === spec?.serviceAccountName);
    t.ok(account, `${name}: its ServiceAccount is in the manifests`);
    t.equal(account?.automountServiceAccountToken, false, `${name}: the ServiceAccount mounts no token`);
    t.equal(spec?.automountServiceAccountToken, false, `${name}: no token mounted`);
    t.equal(spec?.securityContext?.runAsNonRoot, true, `${name}: runAsNonRoot`);
    t.equal(spec?.securityContext?.runAsUser, imageUid, `${name}: runs as the image's user`);
    if (imageGid !== undefined) t.equal(spec?.securityContext?.runAsGroup, imageGid, `${name}: runs as the image's group`);
    t.equal(spec?.securityContext?.seccompProfile?.type, 'RuntimeDefault', `${name}: seccomp RuntimeDefault`);
    t.equal(container.securityContext?.readOnlyRootFilesystem, true, `${name}: read-only root filesystem`);
    t.equal(container.securityContext?.allowPrivilegeEscalation, false, `${name}: no privilege escalation`);
    t.same(container.securityContext?.capabilities?.drop, ['ALL'], `${name}: every capability dropped`);
    t.equal(container.securityContext?.capabilities?.add, undefined, `${name}: none added back`);
    const tmp = container.volumeMounts?.find((m) => m.mountPath === '/tmp');
    t.ok(tmp && spec?.volumes?.find((v) => v.name === tmp.name)?.emptyDir, `${name}: /tmp is a writable emptyDir`);
    t.equal(container.resources?.requests?.memory, '512Mi', `${name}: memory request`);
    t.equal(container.resources?.limits?.memory, '1Gi', `${name}: memory limit`);
    t.equal(String(container.resources?.requests?.cpu), '1', `${name}: CPU request`);
    const limit = mebibytes(container.resources?.limits?.memory);
    t.ok(HEAP_CAP_MB <= limit * 0.8, `${name}: heap cap ${HEAP_CAP_MB} MB leaves room below the ${limit} Mi limit for buffers and code`);
    t.ok(HEAP_CAP_MB >= limit * 0.5, `${name}: heap cap ${HEAP_CAP_MB} MB does not waste most of the ${limit} Mi limit`);
  }
});

t.test('every tenant file in a ConfigMap is named for its tenant and valid with the Secret example', async (t) => {
  const seen = new Map<string, string>();
  for (const configMap of configMaps) {
    const files = tenantFiles(configMap);
    t.ok(files.length > 0, `${configMap.file}: holds tenant files`);
    for (const [key] of files) {
      t.ok(key.endsWith(TENANT_FILE_SUFFIX), `${configMap.file}: ${key} is named {tenant}${TENANT_FILE_SUFFIX}`);
      const tenant = key.slice(0, -TENANT_FILE_SUFFIX.length);
      t.match(tenant, TENANT_NAME_PATTERN, `${configMap.file}: ${key} names a valid tenant`);
      t.notOk(seen.has(tenant), `${tenant} runs from one ConfigMap only (also in ${seen.get(tenant)})`);
      seen.set(tenant, configMap.file);
    }
  }
  for (const pod of pods) {
    const tenants = podTenants(pod);
    t.ok(tenants.length > 0, `${pod.name}: ${CONFIG_PATTERN} matches tenant files of a mounted ConfigMap`);
    const { env, missingSecrets } = podEnvironment(pod);
    t.same(missingSecrets, [], `${pod.name}: every Secret it reads has an example`);
    for (const tenant of tenants) {
      const result = parseTenantFile(tenant.path, tenant.text, env);
      t.same(result.problems, [], `${pod.name}: ${tenant.path} validates with the Secret example's keys`);
      t.same(result.warnings, [], `${pod.name}: ${tenant.path} keeps its secrets out of the file`);
    }
  }
});

t.test('validate --config \'k8s/tenants/*\' (and the scale-out tenants) passes with the Secret examples\' keys, as CI can run it', async (t) => {
  for (const [dir, secretFile] of [['k8s/tenants', 'k8s/secret.example.yaml'], ['k8s/scale-out/tenants', 'k8s/scale-out/secret-wiki.example.yaml']] as const) {
    const secret = only(secrets.filter((s) => s.file === secretFile), secretFile);
    const stdout = new Capture();
    const code = await runCli(['validate', '--config', `${dir}/*`], { env: { ...secret.stringData }, stdout, stderr: new Capture() });
    t.equal(code, 0, `${dir}: ${stdout.text()}`);
    const lines = stdout.text().trim().split('\n');
    t.same(lines.filter((line) => !/^[a-z0-9-]+: ok \(/.test(line)), [], `${dir}: every tenant ok, no warning`);
    t.equal(lines.length, readdirSync(join(ROOT, dir)).length, `${dir}: one line per file`);
  }
});

t.test('every secret the example tenant configs name is in the Secret example', async (t) => {
  const base = only(secrets.filter((s) => s.file === 'k8s/secret.example.yaml'), 'base Secret example');
  const keys = Object.keys(base.stringData ?? {}).sort();
  const exampleDir = join(ROOT, 'config', 'examples');
  const examples = readdirSync(exampleDir).filter((f) => f.endsWith(TENANT_FILE_SUFFIX));
  t.ok(examples.length > 0);
  const referenced = new Set<string>();
  for (const file of examples) {
    for (const name of envReferences(readFileSync(join(exampleDir, file), 'utf8'))) {
      referenced.add(name);
      t.ok(keys.includes(name), `config/examples/${file}: ${name} is a key of the Secret example`);
    }
  }
  for (const [, text] of configMaps.flatMap(tenantFiles)) for (const name of envReferences(text)) referenced.add(name);
  t.same(keys.filter((key) => !referenced.has(key)), [], 'the Secret example holds no key that no tenant reads');
});

/** The in-cluster namespace a host names (`svc.ns.svc[.cluster.local]`, or a bare name in the pod's own), or undefined for outside. */
function hostNamespace(host: string): string | undefined {
  const labels = host.split('.');
  if (labels.length === 1) return NAMESPACE;
  if (host.endsWith('.svc') || host.endsWith('.svc.cluster.local')) return labels[1];
  return undefined;
}

function peerAllows(peer: INetworkPolicyPeer, namespace: string | undefined): boolean {
  if (peer.ipBlock) return namespace === undefined && peer.ipBlock.cidr === '0.0.0.0/0';
  if (namespace === undefined || peer.podSelector?.matchLabels || peer.podSelector?.matchExpressions) return false;
  return labelsMatch(peer.namespaceSelector?.matchLabels, { 'kubernetes.io/metadata.name': namespace });
}

function egressAllows(port: number, protocol: string, namespace: string | undefined): boolean {
  return (networkPolicy.spec?.egress ?? []).some((rule) => {
    const portOk = rule.ports === undefined || rule.ports.some((p: INetworkPolicyPort) => p.port === port && (p.protocol ?? 'TCP') === protocol);
    const peerOk = rule.to === undefined || rule.to.length === 0 || rule.to.some((peer) => peerAllows(peer, namespace));
    return portOk && peerOk;
  });
}

function urls(value: unknown): string[] {
  if (typeof value === 'string') return /^https?:\/\//.test(value) ? [value] : [];
  if (value && typeof value === 'object') return Object.values(value).flatMap(urls);
  return [];
}

t.test('the NetworkPolicy lets every pod reach DNS and each endpoint its tenants name, and nothing is open wide', async (t) => {
  t.same(networkPolicy.spec?.policyTypes, ['Ingress', 'Egress'], 'both directions are restricted');
  for (const pod of pods) {
    t.ok(labelsMatch(networkPolicy.spec?.podSelector?.matchLabels, pod.template.metadata?.labels), `${pod.name}: selected by the NetworkPolicy`);
  }
  t.ok(egressAllows(53, 'UDP', 'kube-system') && egressAllows(53, 'TCP', 'kube-system'), 'DNS over UDP and TCP');
  t.ok(egressAllows(443, 'TCP', undefined), 'HTTPS to the outside (Confluence Cloud, api.atlassian.com, Zitadel)');
  for (const rule of networkPolicy.spec?.egress ?? []) t.ok(rule.ports && rule.ports.length > 0, 'every egress rule names its ports');
  for (const configMap of configMaps) {
    for (const [key, text] of tenantFiles(configMap)) {
      for (const raw of urls(parse(text))) {
        const url = new URL(raw);
        const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
        t.ok(egressAllows(port, 'TCP', hostNamespace(url.hostname)), `${key}: ${url.host} (port ${port}) is reachable`);
      }
    }
  }
});

t.test('each CronJob syncs one tenant of the scale-out ConfigMap, on that tenant\'s schedule, never twice at once', async (t) => {
  const scaleOut = configMaps.filter((c) => c.file.startsWith('k8s/scale-out/'));
  const tenants = scaleOut.flatMap(tenantFiles).map(([key, text]) => ({ name: key.slice(0, -TENANT_FILE_SUFFIX.length), key, text }));
  t.ok(tenants.length > 0, 'scale-out has tenants');
  for (const tenant of tenants) {
    const runs = cronJobs.filter((c) => c.spec?.jobTemplate.spec?.template.spec?.containers[0]?.args?.join(' ') === `sync --tenant ${tenant.name}`);
    t.equal(runs.length, 1, `${tenant.name}: exactly one CronJob runs sync --tenant ${tenant.name}`);
    const cronJob = runs[0];
    const pod = pods.find((p) => p.name === cronJob?.metadata?.name);
    if (!cronJob || !pod) continue;
    t.same(podTenants(pod).map((x) => basename(x.path)), [tenant.key], `${cronJob.metadata?.name}: reads only its own tenant file`);
    t.equal(cronJob.spec?.concurrencyPolicy, 'Forbid', `${cronJob.metadata?.name}: runs never overlap`);
    t.equal(pod.template.spec?.restartPolicy, 'Never', `${cronJob.metadata?.name}: a failed run waits for the next schedule`);
    const cron = (parse(tenant.text) as { processing?: { scanIntervalCron?: string } }).processing?.scanIntervalCron;
    if (cron !== undefined) t.equal(cronJob.spec?.schedule, cron, `${cronJob.metadata?.name}: schedule is the tenant's scanIntervalCron`);
    // The connector stops its own cycle cleanly (CYCLE_DEADLINE_EXCEEDED) before Kubernetes kills the Job.
    const processing = (parse(tenant.text) as { processing?: { scanIntervalCron?: string; cycleTimeoutMinutes?: number } }).processing ?? {};
    const deadlineMinutes = cycleDeadlineMinutes({ scanIntervalCron: processing.scanIntervalCron ?? '*/15 * * * *', cycleTimeoutMinutes: processing.cycleTimeoutMinutes });
    const activeDeadline = cronJob.spec?.jobTemplate.spec?.activeDeadlineSeconds;
    if (activeDeadline !== undefined) t.ok(deadlineMinutes * 60 < activeDeadline, `${cronJob.metadata?.name}: the cycle deadline (${deadlineMinutes} min) ends before the Job's activeDeadlineSeconds (${activeDeadline})`);
  }
  t.equal(cronJobs.length, tenants.length, 'no CronJob without a tenant');
});

const hasKubectl = spawnSync('sh', ['-c', 'command -v kubectl'], { stdio: 'ignore' }).status === 0;
const KUBECTL_MISSING = 'kubectl is not installed (command -v kubectl failed): `kubectl kustomize` not checked; the manifest files themselves were';

t.test('kubectl kustomize renders both kustomizations into valid objects with the released image', { skip: hasKubectl ? false : KUBECTL_MISSING }, async (t) => {
  const images = new Set<string>();
  for (const dir of ['k8s', 'k8s/scale-out', 'k8s/monitoring']) {
    const rendered = parseManifests(`kubectl kustomize ${dir}`, execFileSync('kubectl', ['kustomize', join(ROOT, dir)], { encoding: 'utf8' }));
    t.ok(rendered.length > 0, `${dir} renders`);
    for (const object of rendered) {
      t.doesNotThrow(() => validateObject(object), `${dir}: ${object.object.kind} ${object.object.metadata?.name}`);
      if (object.object.kind !== 'Namespace') t.equal(object.object.metadata?.namespace, NAMESPACE, `${dir}: ${object.object.kind} namespace`);
      const labels = (object.object as { metadata?: { labels?: Record<string, string> } }).metadata?.labels ?? {};
      for (const label of RECOMMENDED) t.ok(labels[label], `${dir}: ${object.object.kind} ${object.object.metadata?.name} has ${label}`);
    }
    // The tenant ConfigMap's name carries a hash, and the pods mount it by that name: a changed tenant rolls them.
    for (const pod of workloads(rendered)) {
      const volume = pod.template.spec?.volumes?.find((v) => v.name === 'tenant-configs')?.configMap?.name ?? '';
      t.ok(rendered.some((o) => o.object.kind === 'ConfigMap' && o.object.metadata?.name === volume) && /-[a-z0-9]{10}$/.test(volume), `${dir}: ${pod.name} mounts the generated ConfigMap ${volume}`);
      t.ok(pod.template.metadata?.labels?.['app.kubernetes.io/version'], `${dir}: ${pod.name}'s pods carry the labels too`);
    }
    for (const pod of workloads(rendered)) images.add(pod.container.image ?? '');
  }
  t.equal(images.size, 1, `one image everywhere: ${[...images].join(', ')}`);
  t.ok(/^[a-z0-9.-]+\/confluence-connector:[\w.-]+$/.test([...images][0] ?? ''), 'a registry name with a tag');
});
