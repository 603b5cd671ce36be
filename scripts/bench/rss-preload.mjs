// Loaded with `node --import` into the process under measurement: at exit it writes
// the peak resident set size (kilobytes, from getrusage) to $BENCH_RSS_FILE.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.BENCH_RSS_FILE;
  if (file) writeFileSync(file, String(process.resourceUsage().maxRSS));
});
