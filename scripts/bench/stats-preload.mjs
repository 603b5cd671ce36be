// Loaded with `node --import` into the process under measurement: at exit it writes
// its peak resident set size in kilobytes and its CPU time in microseconds, as JSON,
// to $BENCH_STATS_FILE. It reads VmHWM from /proc/self/status rather than getrusage's
// maxRSS: Linux keeps ru_maxrss across execve, so a child forked from a large parent
// (the benchmark, holding the simulators) would report the parent's size. VmHWM
// belongs to the new address space.
import { readFileSync, writeFileSync } from 'node:fs';

function peakRssKb() {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match) return Number(match[1]);
  } catch {
    // Not Linux: fall back to getrusage.
  }
  return process.resourceUsage().maxRSS;
}

process.on('exit', () => {
  const file = process.env.BENCH_STATS_FILE;
  if (!file) return;
  const { user, system } = process.cpuUsage();
  writeFileSync(file, JSON.stringify({ peakRssKb: peakRssKb(), userUs: user, systemUs: system }));
});
