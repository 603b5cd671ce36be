import t from 'tap';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../../src/cli.js';
import { Capture } from '../helpers/capture.js';
import { ROOT } from '../k8s/k8s-helpers.js';

/**
 * `npm run demo -- --keep`: the demo leaves its simulators up and prints the environment
 * with which the commands it suggests work against them, until it is stopped.
 */

const DIST_MISSING = 'dist/cli.js is not built (npm run build; .ci/run builds before testing): the demo runs the built CLI';

t.test('demo --keep keeps the simulators up, prints the environment, and stops on SIGINT', { skip: existsSync(join(ROOT, 'dist/cli.js')) ? false : DIST_MISSING }, async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/demo.ts', '--keep'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { PATH: process.env.PATH } });
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not get to its prompt: ${output}`)), 60_000);
    const check = () => {
      if (output.includes('Press Ctrl-C')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    child.on('exit', () => reject(new Error(`the demo exited early: ${output}`)));
  });

  const env: NodeJS.ProcessEnv = {};
  for (const [, name, value] of output.matchAll(/^ {2}export (\w+)='([^']*)'$/gm)) env[name as string] = value;
  t.ok(env.TENANT_CONFIG_PATH_PATTERN && env.DEMO_CONFLUENCE_URL && env.DEMO_UNIQUE_INGESTION_URL, 'the environment is printed');
  t.match(output, /validate --check/, 'the suggested commands');

  // A suggested command, with only the printed environment, from another directory's point of view (absolute paths).
  const stdout = new Capture();
  const code = await runCli(['explain', '65602'], { env, stdout, stderr: new Capture() });
  t.equal(code, 0, stdout.text());
  t.match(stdout.text(), /verdict: SYNCED/);

  child.kill('SIGINT');
  t.equal(await exited, 0, 'Ctrl-C stops it cleanly');
});
