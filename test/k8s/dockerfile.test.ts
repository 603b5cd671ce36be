import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli.js';
import { Capture } from '../helpers/capture.js';
import { ROOT, dockerIgnored, dockerignorePatterns, parseDockerfile } from './k8s-helpers.js';

/**
 * The Dockerfile checked against package.json, .dockerignore and the CLI (manifests.test.ts
 * checks it against k8s/). No Docker engine runs here, so this is what stands between a
 * change and an image that does not build or start.
 */

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const ignore = dockerignorePatterns(readFileSync(join(ROOT, '.dockerignore'), 'utf8'));
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string>; bin: Record<string, string> };
const build = dockerfile.stages[0];
const runtime = dockerfile.stages.at(-1);

const ops = (stage: typeof runtime, op: string): string[] => (stage?.instructions ?? []).filter((i) => i.op === op).map((i) => i.args);
const exec = (args: string | undefined): string[] => JSON.parse(args ?? 'null') as string[];

t.test('two stages on the same official Node LTS slim image, pinned by version and digest, recent enough for package.json', async (t) => {
  t.equal(dockerfile.stages.length, 2);
  t.equal(build?.name, 'build');
  t.equal(build?.from, runtime?.from, 'build and run on the same base');
  const [, major, minor, patch] = /^node:(\d+)\.(\d+)\.(\d+)-bookworm-slim@sha256:[0-9a-f]{64}$/.exec(runtime?.from ?? '') ?? [];
  t.ok(major, `${runtime?.from} is node:MAJOR.MINOR.PATCH-bookworm-slim@sha256:DIGEST`);
  t.ok(Number(major) % 2 === 0 && Number(major) >= 22, 'an even Node major that is still supported (22 or later; 20 ended 2026-04-30)');
  t.equal(dockerfile.args.NODE_VERSION, `${major}.${minor}.${patch}`, 'NODE_VERSION names the tag\'s version');
  t.ok(ops(build, 'RUN').some((run) => run.includes('node --version') && run.includes('v${NODE_VERSION}') && /exit 1/.test(run)), 'the build fails loudly when the image is not that version');
  t.match(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'), /docker buildx imagetools inspect node:\S+/, 'the Dockerfile says how to verify the digest');
  const [, needMajor, needMinor] = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node) ?? [];
  t.ok(Number(major) > Number(needMajor) || (major === needMajor && Number(minor) >= Number(needMinor)), `${runtime?.from} satisfies engines ${pkg.engines.node}`);
});

t.test('tini is pinned to a Debian version', async (t) => {
  t.match(dockerfile.args.TINI_VERSION, /^\d+\.\d+\.\d+-\d+(\+b\d+)?$/);
  t.match(ops(runtime, 'RUN').join('\n'), /apt-get install [^\n]*"tini=\$\{TINI_VERSION\}"/);
  t.ok(ops(runtime, 'ARG').includes('TINI_VERSION'), 'the run stage takes the ARG');
});

t.test('the build stage compiles with dev dependencies; the run stage installs production ones only and copies dist/', async (t) => {
  const buildRuns = ops(build, 'RUN').join('\n');
  t.match(buildRuns, /npm ci\b/);
  t.notMatch(buildRuns, /--omit=dev/, 'the compiler is a dev dependency');
  t.match(buildRuns, /npm run build/);
  t.match(pkg.scripts.build, /tsconfig\.build\.json/);
  const runtimeRuns = ops(runtime, 'RUN').join('\n');
  t.match(runtimeRuns, /npm ci --omit=dev/);
  const copies = ops(runtime, 'COPY');
  t.same(copies.filter((c) => c.startsWith('--from=')), ['--from=build /app/dist ./dist'], 'only dist/ comes from the build stage');
  for (const copy of copies.filter((c) => !c.startsWith('--from='))) {
    t.notMatch(copy, /\bsrc\b|tsconfig|\.ts\b/, `the run stage needs no TypeScript: COPY ${copy}`);
  }
  t.ok(ops(runtime, 'ENV').includes('NODE_ENV=production'));
});

t.test('every file the build copies passes .dockerignore, and secrets and local state do not', async (t) => {
  const sources = dockerfile.stages
    .flatMap((stage) => ops(stage, 'COPY'))
    .filter((copy) => !copy.startsWith('--from='))
    .flatMap((copy) => copy.split(/\s+/).slice(0, -1));
  t.ok(sources.includes('src'));
  for (const source of [...sources, 'src/cli.ts', 'src/config/load.ts']) t.notOk(dockerIgnored(ignore, source), `${source} is in the build context`);
  for (const path of ['.git', 'node_modules', 'dist', 'test/cli.test.ts', 'k8s/secret.yaml', '.env', 'src/x.test.ts', 'config/demo/demo-tenant-config.yaml']) {
    t.ok(dockerIgnored(ignore, path), `${path} stays out of the build context`);
  }
});

t.test('the image runs the CLI as a numeric non-root user, `start` by default, with a heap cap and no HEALTHCHECK', async (t) => {
  const user = ops(runtime, 'USER').at(-1) ?? '';
  t.match(user, /^\d+(:\d+)?$/, 'numeric, so Kubernetes runAsNonRoot can verify it');
  t.not(user.split(':')[0], '0', 'not root');
  const entrypoint = exec(ops(runtime, 'ENTRYPOINT').at(-1));
  t.ok(entrypoint.includes('node') && entrypoint.at(-1) === 'dist/cli.js', `ENTRYPOINT runs dist/cli.js: ${entrypoint.join(' ')}`);
  t.ok(entrypoint.some((arg) => /^--max-old-space-size=\d+$/.test(arg)), 'a heap cap');
  t.same(exec(ops(runtime, 'CMD').at(-1)), ['start'], 'the daemon is the default command');
  t.same(ops(runtime, 'EXPOSE'), ['51349']);
  t.same(
    dockerfile.stages.flatMap((stage) => ops(stage, 'HEALTHCHECK')),
    [],
    'no HEALTHCHECK: Kubernetes ignores it and probes /probe itself',
  );
});

t.test('the commands the image and the manifests run are CLI commands', async (t) => {
  const stdout = new Capture();
  t.equal(await runCli(['--help'], { stdout, stderr: new Capture() }), 0);
  const commands = [...stdout.text().matchAll(/^ {2}(\S+) /gm)].map((match) => match[1]);
  t.ok(commands.includes('start'), 'start: the image default and the Deployment');
  t.ok(commands.includes('sync'), 'sync: the scale-out CronJobs');
});

/** Where the image links the CLI: a directory on the node image's default PATH. */
const IN_POD_BIN = '/usr/local/bin/confluence-connector';

t.test('the CLI is on the image\'s PATH under its bin name, so the README\'s kubectl exec commands work', async (t) => {
  const [[bin, target]] = Object.entries(pkg.bin) as [[string, string]];
  t.equal(bin, 'confluence-connector');
  t.equal(`${IN_POD_BIN.split('/').pop()}`, bin, 'linked under the bin name');
  const links = ops(runtime, 'RUN').filter((run) => /\bln -s\b/.test(run));
  t.ok(links.some((run) => run.includes(`ln -s /app/${target} ${IN_POD_BIN}`)), `the run stage links /app/${target} to ${IN_POD_BIN}`);
  const workdir = ops(runtime, 'WORKDIR').at(-1);
  t.equal(workdir, '/app', 'the app lives in /app');
  t.match(readFileSync(join(ROOT, 'src/cli.ts'), 'utf8').split('\n')[0], /^#!\/usr\/bin\/env node$/, 'the CLI starts with a node shebang (tsc keeps it)');
  t.match(pkg.scripts.build, /chmod \+x dist\/cli\.js/, 'the build makes it executable (COPY --from keeps the mode)');
});

const builtCli = join(ROOT, 'dist', 'cli.js');
const DIST_MISSING = 'dist/cli.js is not built (npm run build; .ci/run builds before testing): the in-pod call was not run';

t.test('in the pod\'s layout, `confluence-connector --version` runs through the PATH link', { skip: existsSync(builtCli) ? false : DIST_MISSING }, async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'cfc-bin-'));
  symlinkSync(builtCli, join(bin, 'confluence-connector'));
  const result = spawnSync('sh', ['-c', 'confluence-connector --version'], { encoding: 'utf8', env: { PATH: `${bin}:${process.env.PATH}` } });
  t.equal(result.status, 0, result.stderr);
  t.match(result.stdout, /^confluence-connector \d+\.\d+\.\d+ \(node v\d+/);
});
