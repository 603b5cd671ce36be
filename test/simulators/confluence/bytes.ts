/**
 * Deterministic attachment bytes: a 64 KiB block derived from sha256(id), repeated
 * and truncated to the size. Large attachments are streamed block by block, so the
 * simulator never holds more than one block per attachment id in memory.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const BLOCK_SIZE = 64 * 1024;
const BLOCK_CACHE_LIMIT = 64;
const blockCache = new Map<string, Buffer>();

function blockFor(id: string): Buffer {
  const cached = blockCache.get(id);
  if (cached) return cached;
  // An AES-CTR keystream keyed by sha256(id): bytes that differ per id, made natively in
  // microseconds (2048 sha256 digests a block took ~3 ms of the simulators' shared event
  // loop per download, delaying every other answer in a benchmark).
  const cipher = createCipheriv('aes-256-ctr', createHash('sha256').update(id).digest(), Buffer.alloc(16));
  const block = Buffer.concat([cipher.update(Buffer.alloc(BLOCK_SIZE)), cipher.final()]);
  if (blockCache.size >= BLOCK_CACHE_LIMIT) {
    const oldest = blockCache.keys().next().value;
    if (oldest !== undefined) blockCache.delete(oldest);
  }
  blockCache.set(id, block);
  return block;
}

/** The bytes of a generated attachment, streamed with back-pressure. */
export function generatedBytes(id: string, size: number): Readable {
  const block = blockFor(id);
  let sent = 0;
  return new Readable({
    read() {
      while (sent < size) {
        const n = Math.min(BLOCK_SIZE, size - sent);
        sent += n;
        if (!this.push(n === BLOCK_SIZE ? block : block.subarray(0, n))) return;
      }
      this.push(null);
    },
  });
}

/** Hex sha256 of `generatedBytes(id, size)`, computed without materialising them. */
export function generatedSha256(id: string, size: number): string {
  const block = blockFor(id);
  const hash = createHash('sha256');
  let left = size;
  while (left > 0) {
    const n = Math.min(BLOCK_SIZE, left);
    hash.update(n === BLOCK_SIZE ? block : block.subarray(0, n));
    left -= n;
  }
  return hash.digest('hex');
}

/** A stable UUID-shaped media file id for an attachment without an explicit one. */
export function derivedFileId(attachmentId: string): string {
  const hex = createHash('sha256').update(`file:${attachmentId}`).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
