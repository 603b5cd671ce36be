import t from 'tap';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { convertStorageStrict, webContextOf, type ConvertOptions } from '../../src/convert/index.js';

/**
 * Golden files: each `test/fixtures/storage/{name}.xml` converts to `{name}.html`.
 * `UPDATE_GOLDEN=1` rewrites the .html files; review every changed one by eye before
 * accepting it. Fixtures named `cloud-*` convert as a Cloud site, the others as DC;
 * every page is "Golden page" under "Golden parent", and a `{name}.options.json` beside
 * a fixture adds options (included pages, user names).
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/storage/', import.meta.url));
export const fixtureNames = readdirSync(FIXTURES).filter((file) => file.endsWith('.xml')).map((file) => file.slice(0, -4)).sort();

export function fixtureOptions(name: string): ConvertOptions {
  const page = { id: '4242', title: 'Golden page', parentTitle: 'Golden parent', parentId: '4241' };
  const site: ConvertOptions = name.startsWith('cloud-')
    ? { webContext: webContextOf('https://acme.atlassian.net', 'cloud'), spaceKey: 'TEAM', page }
    : { webContext: webContextOf('https://confluence.acme.example/', 'data-center'), spaceKey: 'OPS', page };
  const extra = `${FIXTURES}${name}.options.json`;
  return existsSync(extra) ? { ...site, ...(JSON.parse(readFileSync(extra, 'utf8')) as ConvertOptions) } : site;
}

const update = process.env.UPDATE_GOLDEN === '1';

t.test('there are golden fixtures for every kind of element', async (t) => {
  t.ok(fixtureNames.length >= 30, `${fixtureNames.length} fixtures`);
});

for (const name of fixtureNames) {
  t.test(`${name}.xml converts to ${name}.html`, async (t) => {
    const storage = readFileSync(`${FIXTURES}${name}.xml`, 'utf8');
    const html = convertStorageStrict(storage, fixtureOptions(name));
    const goldenPath = `${FIXTURES}${name}.html`;
    if (update) writeFileSync(goldenPath, html);
    t.equal(html, readFileSync(goldenPath, 'utf8'));
  });
}
