/**
 * `npm run bench:converter`: converts storage bodies of 0.5, 1, 2 and 4 MB (the
 * benchmark generator's realistic shape: headings, paragraphs, tables, code macros)
 * and prints the time each took, in JSON. Target: a 2 MB page well under a second.
 */
import { convertStorage } from '../src/convert/index.js';
import { prng, storageBody } from './bench/generate.js';

const SIZES_MB = [0.5, 1, 2, 4];
const RUNS = 3;

const results = SIZES_MB.map((megabytes) => {
  const body = storageBody(prng(7), megabytes * 1024 * 1024);
  convertStorage(body); // warm-up: the first run pays for JIT compilation
  const timings: number[] = [];
  let outputBytes = 0;
  for (let run = 0; run < RUNS; run += 1) {
    const started = process.hrtime.bigint();
    outputBytes = convertStorage(body, { webContext: 'https://wiki.example.com', spaceKey: 'BENCH' }).length;
    timings.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { inputMb: megabytes, inputBytes: body.length, outputBytes, bestMs: Math.round(Math.min(...timings)), medianMs: Math.round(timings.sort((a, b) => a - b)[1]!) };
});
console.log(JSON.stringify({ converter: results, target: '2 MB page well under 1000 ms' }, null, 2));
