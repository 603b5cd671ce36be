import { formatDuration } from './progress-bar.js';

/**
 * The end of a one-shot `sync`: one line across every tenant (logged as `Sync run
 * finished`), and a small table on a terminal. A CronJob's log then ends with what the
 * run did overall, and an operator running it by hand sees it without reading JSON.
 */

/** Outcome of one tenant in a run: a cycle's own outcome, or skipped (inactive, or a deleted tenant in a dry run). */
export interface TenantRunResult {
  tenant: string;
  outcome: string;
  /** Error code of a failed cycle. */
  code?: string;
  durationMs: number;
  /** The cycle's counts by name (ingested, failed, new…), from its progress observer. */
  counts: Readonly<Record<string, number>>;
}

/** The counts the summary shows per tenant and in total. */
export const SUMMARY_COUNTS = ['discovered', 'new', 'updated', 'unchanged', 'ingested', 'failed', 'deleted'] as const;

export interface RunSummary {
  tenants: number;
  /** Tenants by outcome: succeeded, failed, skipped, dry-run… */
  outcomes: Record<string, number>;
  totals: Record<string, number>;
  durationMs: number;
  results: (Omit<TenantRunResult, 'counts'> & Record<string, unknown>)[];
}

export function summarizeRun(results: readonly TenantRunResult[], durationMs: number): RunSummary {
  const outcomes: Record<string, number> = {};
  const totals: Record<string, number> = Object.fromEntries(SUMMARY_COUNTS.map((name) => [name, 0]));
  for (const result of results) {
    outcomes[result.outcome] = (outcomes[result.outcome] ?? 0) + 1;
    for (const name of SUMMARY_COUNTS) totals[name] = (totals[name] ?? 0) + (result.counts[name] ?? 0);
  }
  return {
    tenants: results.length,
    outcomes,
    totals,
    durationMs,
    results: results.map(({ counts, ...rest }) => ({ ...rest, ...Object.fromEntries(SUMMARY_COUNTS.map((name) => [name, counts[name] ?? 0])) })),
  };
}

/** The table for a terminal: a row per tenant, then the totals. */
export function formatRunSummary(summary: RunSummary): string {
  const header = ['tenant', 'outcome', ...SUMMARY_COUNTS, 'time'];
  const rows = summary.results.map((r) => [
    r.tenant,
    r.code ? `${r.outcome} (${r.code})` : r.outcome,
    ...SUMMARY_COUNTS.map((name) => String(r[name] ?? 0)),
    formatDuration(r.durationMs / 1000),
  ]);
  rows.push(['total', Object.entries(summary.outcomes).map(([o, n]) => `${n} ${o}`).join(', '), ...SUMMARY_COUNTS.map((name) => String(summary.totals[name] ?? 0)), formatDuration(summary.durationMs / 1000)]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)));
  const line = (cells: string[]) => cells.map((cell, i) => (i < 2 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}
