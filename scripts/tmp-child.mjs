import { request } from 'undici';
import { Readable } from 'node:stream';
const [mode, from, to, size] = process.argv.slice(2);
const t0 = Date.now();
const peaks = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
setInterval(() => { const m = process.memoryUsage(); for (const k in peaks) peaks[k] = Math.max(peaks[k], Math.round(m[k] / 1048576)); }, 20).unref();
process.on('exit', () => console.log('peaks MB', JSON.stringify(peaks)));
if (globalThis.gc) setInterval(() => globalThis.gc({ type: 'minor' }), 100).unref();
let body;
if (mode === 'gen') {
  const block = Buffer.alloc(65536, 1); let sent = 0; const n = Number(size);
  body = new Readable({ read() { while (sent < n) { const k = Math.min(65536, n - sent); sent += k; if (!this.push(k === 65536 ? block : block.subarray(0, k))) return; } this.push(null); } });
} else {
  const down = await request(from, { headers: { authorization: 'Bearer p' }, ...(mode === 'hwm' ? { highWaterMark: 1 << 20 } : {}) });
  body = down.body;
  if (mode === 'down') { let n = 0; for await (const c of body) n += c.length; console.log('down', n, Date.now() - t0, 'ms'); process.exit(0); }
}
const up = await request(to, { method: 'PUT', headers: { 'x-ms-blob-type': 'BlockBlob', 'content-length': size, 'content-type': 'application/pdf' }, body });
console.log(up.statusCode, await up.body.text(), Date.now() - t0, 'ms', 'rss', Math.round(process.resourceUsage().maxRSS / 1024), 'child cpu', Math.round((process.cpuUsage().user + process.cpuUsage().system)/1000));
