import type { ProgressSnapshot } from './progress.js';

/**
 * The compact progress display for a terminal: one line on stderr, redrawn in place,
 * with every running tenant (`acme ingest [#####-----] 120/2000 6.1/s ETA 5m08s`).
 * Used instead of the `Sync progress` log lines when stderr is a TTY, so an operator
 * running `sync` by hand sees it move; logs still go to stdout.
 */

const BAR_WIDTH = 20;
/** Redraws at most this often; items can finish hundreds of times a second. */
const MIN_REDRAW_MS = 100;

export interface TerminalStream {
  write(text: string): unknown;
  columns?: number;
}

export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** One tenant's part of the line. Pure, so it is tested without a terminal. */
export function renderProgress(tenant: string, snapshot: ProgressSnapshot): string {
  const phase = snapshot.phase ?? 'starting';
  const parts = [`${tenant} ${phase}`];
  if (snapshot.total === undefined) {
    parts.push(formatDuration(snapshot.phaseElapsedMs / 1000));
  } else {
    const share = snapshot.total === 0 ? 1 : Math.min(1, snapshot.done / snapshot.total);
    const filled = Math.round(share * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${snapshot.done}/${snapshot.total}`);
    if (snapshot.ratePerSecond !== undefined) parts.push(`${snapshot.ratePerSecond}/s`);
    if (snapshot.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(snapshot.etaSeconds)}`);
  }
  if (snapshot.failed > 0) parts.push(`${snapshot.failed} failed`);
  return parts.join(' ');
}

export class TerminalProgress {
  readonly #stream: TerminalStream;
  readonly #lines = new Map<string, ProgressSnapshot>();
  #lastDraw = 0;
  #pending: NodeJS.Timeout | undefined;
  #drawn = false;

  constructor(stream: TerminalStream) {
    this.#stream = stream;
  }

  update(tenant: string, snapshot: ProgressSnapshot): void {
    this.#lines.set(tenant, snapshot);
    const wait = this.#lastDraw + MIN_REDRAW_MS - Date.now();
    if (wait <= 0) this.#draw();
    else if (this.#pending === undefined) {
      this.#pending = setTimeout(() => this.#draw(), wait);
      this.#pending.unref();
    }
  }

  /** The tenant's cycle ended: its part leaves the line (an empty line is cleared). */
  remove(tenant: string): void {
    this.#lines.delete(tenant);
    this.#draw();
  }

  #draw(): void {
    if (this.#pending !== undefined) clearTimeout(this.#pending);
    this.#pending = undefined;
    this.#lastDraw = Date.now();
    const text = [...this.#lines].map(([tenant, snapshot]) => renderProgress(tenant, snapshot)).join(' | ');
    if (text === '' && !this.#drawn) return;
    const width = this.#stream.columns ?? 120;
    // \r and "erase line" redraw in place; a line longer than the terminal would wrap and stack up.
    this.#stream.write(`\r\x1b[K${text.length >= width ? `${text.slice(0, width - 2)}…` : text}`);
    this.#drawn = text !== '';
  }
}
