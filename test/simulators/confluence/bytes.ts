/**
 * Deterministic attachment bytes: a 64 KiB block derived from sha256(id), repeated
 * and truncated to the size. Large attachments are streamed block by block, so the
 * simulator never holds more than one block per attachment id in memory.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';

const BLOCK_SIZE = 64 * 1024;
const BLOCK_CACHE_LIMIT = 64;
const blockCache = new Map<string, Buffer>();

function blockFor(id: string): Buffer {
  const cached = blockCache.get(id);
  if (cached) return cached;
  const block = Buffer.allocUnsafe(BLOCK_SIZE);
  const seed = createHash('sha256').update(id).digest();
  // 2048 digests of (seed, counter) fill the block with bytes that differ per id.
  for (let i = 0; i < BLOCK_SIZE / 32; i++) {
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(i);
    createHash('sha256').update(seed).update(counter).digest().copy(block, i * 32);
  }
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
