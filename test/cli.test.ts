import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/cli.js';
import { Capture } from './helpers/capture.js';

const EXAMPLE_ENV = {
  CONFLUENCE_CLIENT_SECRET: 'example-confluence-secret',
  CONFLUENCE_PAT: 'example-pat-value',
  ZITADEL_CLIENT_SECRET: 'example-zitadel-secret',
  ZITADEL_PROJECT_ID: 'example-project',
};

async function cli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new Capture();
  const stderr = new Capture();
  const code = await runCli(args, { env, stdout, stderr });
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

t.test('no command prints the usage and exits 2', async (t) => {
  const result = await cli([]);
  t.equal(result.code, 2);
  t.match(result.stderr, /usage: confluence-connector <command>/);
  t.match(result.stderr, /sync/);
  t.match(result.stderr, /dump/);
  t.match(result.stderr, /validate/);
});

t.test('an unknown command is an error with a usage line', async (t) => {
  const result = await cli(['frobnicate']);
  t.equal(result.code, 2);
  t.match(result.stderr, /unknown command "frobnicate"/);
  t.match(result.stderr, /usage:/);
});

t.test('an unknown flag is an error with the command usage', async (t) => {
  const result = await cli(['validate', '--frob']);
  t.equal(result.code, 2);
  t.match(result.stderr, /Unknown option '--frob'/);
  t.match(result.stderr, /usage: confluence-connector validate/);
});

t.test('--help describes each command', async (t) => {
  for (const command of ['sync', 'dump', 'validate']) {
    const result = await cli([command, '--help']);
    t.equal(result.code, 0, command);
    t.match(result.stdout, new RegExp(`usage: confluence-connector ${command}`));
    t.match(result.stdout, /--config GLOB/);
  }
  t.match((await cli(['sync', '--help'])).stdout, /--dry-run/);
  t.match((await cli(['dump', '--help'])).stdout, /--no-bodies/);
});

t.test('validate accepts the shipped examples, one line per tenant', async (t) => {
  const result = await cli(['validate', '--config', 'config/examples/*-tenant-config.yaml'], EXAMPLE_ENV);
  t.equal(result.code, 0, result.stdout + result.stderr);
  const lines = result.stdout.trim().split('\n');
  t.equal(lines.length, 3);
  for (const line of lines) t.match(line, /^[a-z0-9-]+: ok \(/);
  for (const secret of Object.values(EXAMPLE_ENV)) t.notOk(result.stdout.includes(secret));
});

t.test('validate reads TENANT_CONFIG_PATH_PATTERN when --config is absent', async (t) => {
  const result = await cli(['validate'], { ...EXAMPLE_ENV, TENANT_CONFIG_PATH_PATTERN: 'config/examples/acme-*-tenant-config.yaml' });
  t.equal(result.code, 0);
  t.match(result.stdout, /^acme-cloud: ok/);
});

t.test('validate names the file and field of every problem and exits 1', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfc-cli-'));
  writeFileSync(
    join(dir, 'broken-tenant-config.yaml'),
    ['confluence:', '  instanceType: cloud', '  baseUrl: https://acme.atlassian.net/', '  auth: { mode: pat, token: x }', 'unique: {}', 'ingestion: {}', ''].join('\n'),
  );
  const result = await cli(['validate', '--config', join(dir, '*.yaml')]);
  t.equal(result.code, 1);
  t.match(result.stdout, /broken: \S*broken-tenant-config\.yaml: confluence\.baseUrl: expected a URL without a trailing slash/);
  t.match(result.stdout, /confluence\.cloudId/);
  t.match(result.stdout, /ingestion\.scopeId/);
  t.notMatch(result.stdout + result.stderr, /\n\s+at /, 'no stack trace');
});

t.test('no config at all is a one-line error without a stack trace', async (t) => {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'validate'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
  t.equal(result.status, 1);
  t.match(result.stderr, /TENANT_CONFIG_PATH_PATTERN/);
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace');
});

t.test('sync and dump refuse to run with an invalid tenant', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'cfc-cli-'));
  writeFileSync(join(dir, 'bad-tenant-config.yaml'), 'status: active\n');
  for (const command of ['sync', 'dump']) {
    const result = await cli([command, '--config', join(dir, '*.yaml')]);
    // sync: a configuration error is exit 2 (1 is a failed cycle); dump keeps 1.
    t.equal(result.code, command === 'sync' ? 2 : 1, command);
    t.match(result.stderr, /bad: \S*bad-tenant-config\.yaml: confluence: required section is missing/);
  }
});

t.test('--tenant naming no tenant is a usage error', async (t) => {
  const result = await cli(['sync', '--config', 'config/examples/*-tenant-config.yaml', '--tenant', 'nope'], EXAMPLE_ENV);
  t.equal(result.code, 2);
  t.match(result.stderr, /no tenant named nope/);
});
