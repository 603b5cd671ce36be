import { join, relative } from 'node:path';
import t from 'tap';
import { checkTenantSet, configPattern, loadTenants, parseTenantFile } from '../../src/config/load.js';
import { BASES, ENV, edited } from '../fixtures/config/cases.js';

const active = edited('dc', (doc) => doc.set('status', 'active'));
const inactive = BASES.dc;

t.test('loadTenants reads every file an absolute glob matches', async (t) => {
  const dir = t.testdir({
    'acme-tenant-config.yaml': BASES.cloud,
    'wiki-tenant-config.yaml': inactive,
    'notes.txt': 'not a tenant',
    sub: { 'other-tenant-config.yaml': active },
  });
  const results = await loadTenants(join(dir, '*-tenant-config.yaml'), ENV);
  t.same(results.map((r) => [r.name, r.file, r.problems]), [
    ['acme', join(dir, 'acme-tenant-config.yaml'), []],
    ['wiki', join(dir, 'wiki-tenant-config.yaml'), []],
  ]);
  t.equal(results[0]?.config?.confluence.instanceType, 'cloud');
  t.same(checkTenantSet(results), []);

  const recursive = await loadTenants(join(dir, '**/*-tenant-config.yaml'), ENV);
  t.same(recursive.map((r) => r.name), ['acme', 'other', 'wiki']);
});

t.test('a relative glob is resolved against the working directory', async (t) => {
  const dir = t.testdir({ 'acme-tenant-config.yaml': BASES.cloud });
  const pattern = `${relative(process.cwd(), dir)}/*-tenant-config.yaml`;
  const results = await loadTenants(pattern, ENV);
  t.same(results.map((r) => [r.name, r.problems]), [['acme', []]]);
  t.equal(results[0]?.file, join(relative(process.cwd(), dir), 'acme-tenant-config.yaml'));
});

t.test('a glob that matches a directory or nothing is CONFIG_NOT_FOUND', async (t) => {
  const dir = t.testdir({ 'x-tenant-config.yaml': { 'inner.yaml': '' } });
  await t.rejects(loadTenants(join(dir, '*-tenant-config.yaml'), ENV), { code: 'CONFIG_NOT_FOUND', name: 'ConnectorError' });
  await t.rejects(loadTenants(join(dir, 'nothing/*.yaml'), ENV), { code: 'CONFIG_NOT_FOUND' });
});

t.test('a broken file does not hide the others', async (t) => {
  const dir = t.testdir({ 'acme-tenant-config.yaml': 'confluence: [', 'wiki-tenant-config.yaml': active });
  const results = await loadTenants(join(dir, '*.yaml'), ENV);
  t.match(results[0]?.problems, [/acme-tenant-config\.yaml: line \d+, column \d+: YAML syntax error/]);
  t.ok(results[1]?.config);
});

t.test('a file named like a tenant twice is a duplicate', async (t) => {
  const a = parseTenantFile('a/acme-tenant-config.yaml', active, ENV);
  const b = parseTenantFile('b/acme-tenant-config.yaml', active, ENV);
  t.same(checkTenantSet([a, b]), ['tenant "acme" is defined more than once: a/acme-tenant-config.yaml, b/acme-tenant-config.yaml']);
});

t.test('a set where no tenant is active or deleted is a problem', async (t) => {
  const wiki = parseTenantFile('wiki-tenant-config.yaml', inactive, ENV);
  const legacy = parseTenantFile('legacy-tenant-config.yaml', inactive, ENV);
  t.match(checkTenantSet([wiki, legacy]), [/no tenant has status active or deleted/]);
  const deleted = parseTenantFile('old-tenant-config.yaml', edited('dc', (doc) => doc.set('status', 'deleted')), ENV);
  t.same(checkTenantSet([wiki, deleted]), [], 'a deleted tenant still has work to do');
  const broken = parseTenantFile('broken-tenant-config.yaml', 'status: [', ENV);
  t.same(checkTenantSet([wiki, broken]), [], 'a broken file may be the active one: its own problems say so');
  t.same(checkTenantSet([]), ['no tenant configuration files']);
});

t.test('bad file names are problems of that file and yield no config', async (t) => {
  for (const file of ['acme.yaml', 'configs/Acme-tenant-config.yaml', 'acme--x-tenant-config.yaml', '-tenant-config.yaml', 'acme-tenant-config.yml']) {
    const result = parseTenantFile(file, active, ENV);
    t.equal(result.config, undefined, file);
    t.equal(result.problems.length, 1, file);
    t.match(result.problems[0], new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (file name must be|tenant name)`), file);
  }
  t.equal(parseTenantFile('configs/acme-2-tenant-config.yaml', active, ENV).name, 'acme-2');
});

t.test('configPattern: --config wins, then TENANT_CONFIG_PATH_PATTERN, else CONFIG_INVALID', async (t) => {
  const env = { TENANT_CONFIG_PATH_PATTERN: '/etc/tenants/*-tenant-config.yaml' };
  t.equal(configPattern('cli/*.yaml', env), 'cli/*.yaml');
  t.equal(configPattern(undefined, env), '/etc/tenants/*-tenant-config.yaml');
  t.equal(configPattern('', env), '/etc/tenants/*-tenant-config.yaml', 'an empty flag counts as not given');
  t.throws(() => configPattern(undefined, {}), {
    code: 'CONFIG_INVALID',
    message: 'no tenant configuration: set TENANT_CONFIG_PATH_PATTERN or pass --config GLOB',
  });
  t.throws(() => configPattern(undefined, { TENANT_CONFIG_PATH_PATTERN: '' }), { code: 'CONFIG_INVALID' });
});
