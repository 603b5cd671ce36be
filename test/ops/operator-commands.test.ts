import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../src/cli.js';
import { Capture } from '../helpers/capture.js';
import { ROOT } from '../k8s/k8s-helpers.js';
import { writeTenants } from './support/daemon-process.js';
import { simulators, tenantEnv } from './support/simulated-tenants.js';

/**
 * The README's "Operating the connector" section, command by command, as an operator
 * pastes it: every `kubectl … exec … -- confluence-connector ARGS` runs ARGS through the
 * real CLI against the simulators (with tenant files and environment as the pod has them),
 * log pipes run through bunyan, and each kubectl part names the namespace and objects the
 * manifests create. A command of a shape this test does not know fails it, so the section
 * cannot gain an unchecked command.
 */

const NAMESPACE = 'confluence-connector';
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Operating the connector'), readme.indexOf('\n## ', readme.indexOf('## Operating the connector') + 3));
const deployment = parse(readFileSync(join(ROOT, 'k8s/deployment.yaml'), 'utf8')) as {
  metadata: { name: string };
  spec: { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } };
};

/** Shell words of one line: single and double quotes, no expansions (the README uses none). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let current: string | undefined;
  let quote: string | undefined;
  for (const char of line) {
    if (quote) {
      if (char === quote) quote = undefined;
      else current = (current ?? '') + char;
    } else if (char === "'" || char === '"') {
      quote = char;
      current ??= '';
    } else if (/\s/.test(char)) {
      if (current !== undefined) words.push(current);
      current = undefined;
    } else current = (current ?? '') + char;
  }
  if (current !== undefined) words.push(current);
  return words;
}

/** The sh blocks' commands, without trailing `# comments`. */
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => (m[1] as string).split('\n'))
  .map((line) => line.replace(/\s+#\s.*$/, '').trim())
  .filter((line) => line !== '' && !line.startsWith('#'));

t.test('shell words honour quotes', async (t) => {
  t.same(shellWords(`npx -y bunyan -c 'this.tenant === "acme"' -o short`), ['npx', '-y', 'bunyan', '-c', 'this.tenant === "acme"', '-o', 'short']);
});

t.test('every command of the operator section runs as written, with the namespace', async (t) => {
  t.ok(commands.length >= 10, `${commands.length} commands`);
  const sims = await simulators(t);
  // What the pod has: its tenant files at TENANT_CONFIG_PATH_PATTERN, the Secret's keys in the environment.
  const env = { TENANT_CONFIG_PATH_PATTERN: writeTenants([{ name: 'acme', cron: '*/15 * * * *', env: 'ACME' }]), ...tenantEnv('ACME', sims) };
  const cli = async (args: string[]) => {
    const stdout = new Capture();
    const stderr = new Capture();
    const code = await runCli(args, { env, stdout, stderr });
    return { code, stdout: stdout.text(), stderr: stderr.text() };
  };
  // A first sync, as the daemon would have run, so `explain` finds the page in Unique.
  const logs = await cli(['sync']);
  t.equal(logs.code, 0, logs.stderr);

  for (const command of commands) {
    const [main = '', ...piped] = command.split(/\s\|\s/);
    const [, redirect] = /\s>\s*(\S+)$/.exec(main) ?? [];
    const words = shellWords(main.replace(/\s>\s*\S+$/, ''));
    const dashdash = words.indexOf('--');

    if (words[0] === 'kubectl') {
      t.same(words.slice(1, 3), ['-n', NAMESPACE], `${command}: names the namespace first`);
      const verb = words[3];
      const target = verb === 'rollout' ? words[5] : words.slice(4).find((w) => /^(deploy|job|cronjob)\//.test(w));
      t.equal(target, `deploy/${deployment.metadata.name}`, `${command}: names the Deployment the manifests create`);
      if (verb === 'exec') {
        t.ok(dashdash > 0 && words[dashdash + 1] === 'confluence-connector', `${command}: runs the CLI on the image's PATH`);
        const result = await cli(words.slice(dashdash + 2));
        t.equal(result.code, 0, result.code === 0 ? `${command}: exits 0` : `${command}: ${result.stderr}`);
        t.ok(result.stdout.trim().length > 0, `${command}: prints its answer`);
        if (redirect) {
          const records = result.stdout.trim().split('\n').map((line) => JSON.parse(line) as { tenant?: string });
          t.ok(records.length > 0 && records.every((r) => r.tenant === 'acme'), `${command}: ${redirect} holds NDJSON records`);
        }
      } else if (verb === 'logs') {
        t.equal(piped.length, 1, `${command}: piped into one formatter`);
        const [npx, yes, tool, ...args] = shellWords(piped[0] ?? '');
        t.same([npx, yes, tool], ['npx', '-y', 'bunyan'], `${command}: npx -y, so it works outside this repository`);
        const bunyan = spawnSync(process.execPath, [join(ROOT, 'node_modules/bunyan/bin/bunyan'), ...args], { input: logs.stdout, encoding: 'utf8' });
        t.equal(bunyan.status, 0, `${command}: bunyan ${args.join(' ')} reads the logs (${bunyan.stderr})`);
        if (args.includes('-c') && args.some((a) => a.includes('acme'))) t.match(bunyan.stdout, /Sync cycle finished/, `${command}: the filter keeps the tenant's lines`);
      } else if (verb === 'rollout') {
        t.same(words.slice(3, 5), ['rollout', 'restart'], command);
      } else {
        t.fail(`${command}: a kubectl command this test does not check; add a rule for it`);
      }
    } else if (words[0]?.startsWith('TENANT_CONFIG_PATH_PATTERN=')) {
      const pattern = words[0].slice('TENANT_CONFIG_PATH_PATTERN='.length);
      const podPattern = deployment.spec.template.spec.containers[0]?.env.find((e) => e.name === 'TENANT_CONFIG_PATH_PATTERN')?.value;
      t.equal(pattern, podPattern, `${command}: the pattern the Deployment sets`);
      t.same(words.slice(1), ['confluence-connector', 'start'], `${command}: the daemon (test/ops/daemon.test.ts runs it)`);
    } else {
      t.fail(`${command}: a command this test does not check; add a rule for it`);
    }
  }
});
