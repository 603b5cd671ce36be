import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/log.js';

/** A writable that keeps everything written to it, for asserting on output. */
export class Capture extends Writable {
  readonly chunks: string[] = [];

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, callback: () => void): void {
    this.chunks.push(chunk.toString());
    callback();
  }

  text(): string {
    return this.chunks.join('');
  }

  /** Parsed JSON lines (log records or NDJSON). */
  lines(): Record<string, unknown>[] {
    return this.text()
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}

export function capturedLogger(level = 'debug', policy = 'conceal'): { logger: Logger; output: Capture } {
  const output = new Capture();
  return { logger: createLogger({ level, policy, stream: output }), output };
}
