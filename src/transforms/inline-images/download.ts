import type { Readable } from 'node:stream';
import { ConnectorError } from '../../errors.js';

/**
 * Reads an image download into one buffer, refusing more than `maxBytes`: the
 * declared size is only what Confluence listed, and a page must not grow without
 * bound because one file is larger than it said.
 */
export async function readCapped(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body as AsyncIterable<Buffer | string>) {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > maxBytes) {
        throw new ConnectorError('CONFLUENCE_RESPONSE_INVALID', 'Image download exceeds maxFileSizeMb', { details: { maxBytes } });
      }
      chunks.push(buffer);
    }
  } finally {
    body.destroy();
  }
  return Buffer.concat(chunks, size);
}
