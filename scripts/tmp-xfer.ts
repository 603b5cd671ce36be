import { startConfluenceSimulator } from '../test/simulators/confluence/index.js';
import { startUniqueSimulator } from '../test/simulators/unique/index.js';
import { DOCS, gql, upsertVariables } from '../test/simulators/unique/test-client.js';
import { spawn } from 'node:child_process';
const size = 500 * 1024 * 1024;
const c = await startConfluenceSimulator({ flavour: 'data-center', pats: ['p'], spaces: [{ id: 1, key: 'B', name: 'B' }], content: [{ id: '1', type: 'page', title: 'x', spaceKey: 'B', attachments: [{ id: 'att1', title: 'big.pdf', mediaType: 'application/pdf', size }] }] });
const u = await startUniqueSimulator({ authMode: 'cluster_local', scopes: [{ id: 's1', name: 'S', parentId: null }] });
for (const mode of (process.argv[2] ?? 'raw,raw').split(',')) {
  const reg = await gql(u, DOCS.contentUpsert, upsertVariables('k/' + Math.random(), 's1', size));
  const writeUrl = reg.body.data.contentUpsert.writeUrl;
  const t0 = Date.now(); const cpu0 = process.cpuUsage();
  await new Promise<void>((resolve) => spawn(mode === 'curl' ? 'sh' : process.execPath, [...(mode === 'rawgc' ? ['--expose-gc'] : []), mode === 'curl' ? 'scripts/tmp-child2.sh' : 'scripts/tmp-child.mjs', mode, `${c.baseUrl}/download/attachments/1/big.pdf`, writeUrl, String(size)], { stdio: 'inherit' }).on('close', () => resolve()));
  const cpu = process.cpuUsage(cpu0); console.log(mode, 'pipe ms', Date.now() - t0, 'parent cpu ms', Math.round((cpu.user + cpu.system) / 1000));
}
await Promise.all([c.close(), u.close()]);
