/**
 * Memory bounded by design, in a real process under a heap cap (issue 10, finding 4;
 * `npm run bench:heap` is the full-size version under the image's 768 MB): pages whose
 * bodies together are larger than the heap end the cycle with exit 0, the pages over
 * `processing.maxPageBodyMb` skipped with a warning, instead of a V8 out-of-memory abort.
 */
import { spawn } from 'node:child_process';
import t from 'tap';
import { startConfluenceSimulator } from '../simulators/confluence/index.js';
import { startUniqueSimulator } from '../simulators/unique/index.js';
import { writeTenants, type LogLine } from '../ops/support/daemon-process.js';
import { PAT, tenantEnv } from '../ops/support/simulated-tenants.js';

/** Before the body limit, this sync aborted out of memory (SIGABRT) at this cap. */
const HEAP_MB = 160;
const PAGES = 6;
const PAGE_MB = 24;

function body(id: string): string {
  const paragraph = `<p>Page ${id}: the <strong>quarterly</strong> figures, reviewed and linked.</p>`;
  return paragraph.repeat(Math.ceil((PAGE_MB * 1048576) / paragraph.length));
}

async function syncUnderCap(env: NodeJS.ProcessEnv): Promise<{ code: number | null; signal: string | null; logs: LogLine[] }> {
  const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, '--import', 'tsx', 'src/cli.ts', 'sync'], { env: { PATH: process.env.PATH, LOG_LEVEL: 'info', ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const [code, signal] = await new Promise<[number | null, string | null]>((done) => child.on('close', (c, s) => done([c, s])));
  const logs = out.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as LogLine);
  return { code, signal, logs };
}

t.test(`regression: ${PAGES} pages of ${PAGE_MB} MB under a ${HEAP_MB} MB heap end with exit 0, each skipped with a warning`, async (t) => {
  const ids = Array.from({ length: PAGES }, (_, i) => String(91001 + i));
  const confluence = await startConfluenceSimulator({
    flavour: 'data-center',
    pats: [PAT],
    spaces: [{ id: 9001, key: 'BIG', name: 'Big pages', type: 'global' }],
    content: ids.map((id) => ({ id, type: 'page', title: `Huge ${id}`, spaceKey: 'BIG', version: { number: 1, when: '2026-01-05T08:00:00.000Z' }, labels: ['ai-ingest'], body: body(id) })),
  });
  const unique = await startUniqueSimulator({ authMode: 'cluster_local', scopes: [{ id: 'scope_kb', name: 'KB', parentId: null }, { id: 'scope_acme', name: 'acme', parentId: 'scope_kb' }] }, { keepBytesUpTo: 0 });
  t.teardown(() => Promise.all([confluence.close(), unique.close()]));
  const tenant = { name: 'acme', cron: '*/15 * * * *', env: 'ACME', processing: ['maxPageBodyMb: 4'] };
  const env = { TENANT_CONFIG_PATH_PATTERN: writeTenants([tenant]), ...tenantEnv('ACME', { confluence, unique }) };
  const run = await syncUnderCap(env);
  t.same([run.code, run.signal], [0, null], 'no out-of-memory abort');
  t.match(run.logs.find((line) => line.msg === 'Sync cycle finished'), { outcome: 'succeeded', skipped: PAGES, ingested: 0 });
  const warned = run.logs.filter((line) => line.msg === 'Page body larger than processing.maxPageBodyMb, skipped').map((line) => line.pageId).sort();
  t.same(warned, ids, 'one warning per page, naming it');
});
