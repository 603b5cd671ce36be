/**
 * What a tenant file must pass before the YAML parser builds a document from it: a
 * size cap, valid UTF-8 (a Latin-1 byte used to become U+FFFD silently), and a nesting
 * bound (the parser's composer recurses per level; 20 000 levels exhausted the stack).
 * Duplicate keys are checked here too, in linear time: the parser's own check compares
 * each key with every earlier one, and 400 000 keys took minutes.
 */
import { isUtf8 } from 'node:buffer';
import { CST, Lexer, isMap, isScalar, isSeq, type Document } from 'yaml';

/** A tenant file is a few KB; a megabyte is generous and keeps parsing far from a stall. */
export const MAX_TENANT_FILE_BYTES = 1024 * 1024;
/** A tenant file nests 4 levels; 64 stays far below what the parser's recursion can take. */
export const MAX_NESTING = 64;

export interface Utf8Error {
  /** 0-based offset of the first byte that is not valid UTF-8. */
  offset: number;
  byte: number;
  /** 1-based line of that byte. */
  line: number;
}

/** The first invalid UTF-8 sequence, or undefined when the bytes are valid UTF-8. */
export function firstInvalidUtf8(bytes: Uint8Array): Utf8Error | undefined {
  if (isUtf8(bytes)) return undefined;
  let line = 1;
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    if (b === 0x0a) line += 1;
    const length = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (length === 0) return { offset: i, byte: b, line };
    for (let k = 1; k < length; k += 1) {
      const next = bytes[i + k];
      const low = k === 1 && b === 0xe0 ? 0xa0 : k === 1 && b === 0xf0 ? 0x90 : 0x80;
      const high = k === 1 && b === 0xed ? 0x9f : k === 1 && b === 0xf4 ? 0x8f : 0xbf;
      if (next === undefined || next < low || next > high) return { offset: i, byte: b, line };
    }
    i += length;
  }
  return undefined;
}

/**
 * The first line whose nesting (open flow collections plus open block levels) goes
 * past `limit`, from the lexer's tokens (the lexer does not recurse). Block levels are
 * counted like indentation in Python: a line indented deeper than the one above opens
 * a level, each `- ` or `? ` indicator opens one more.
 */
export function excessiveNesting(text: string, limit = MAX_NESTING): { line: number; col: number; depth: number } | undefined {
  let flow = 0;
  const indents: number[] = [];
  let line = 1;
  let column = 0;
  let atLineStart = true;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    const startColumn = column;
    const startLine = line;
    const breaks = token.split('\n').length - 1;
    if (breaks > 0) {
      line += breaks;
      column = token.length - token.lastIndexOf('\n') - 1;
    } else {
      column += token.length;
    }
    if (type === 'newline') {
      atLineStart = true;
      continue;
    }
    if (type === 'doc-mode' || type === 'doc-start' || type === 'doc-end') {
      indents.length = 0;
      flow = 0;
      continue;
    }
    if (type === 'space' || type === 'comment' || type === 'byte-order-mark' || type === 'flow-error-end') continue;
    if (atLineStart && flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! >= startColumn) indents.pop();
      indents.push(startColumn);
    }
    atLineStart = false;
    if (type === 'flow-map-start' || type === 'flow-seq-start') flow += 1;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flow = Math.max(0, flow - 1);
    else if (flow === 0 && (type === 'seq-item-ind' || type === 'explicit-key-ind')) indents.push(startColumn + 1);
    if (indents.length + flow > limit) return { line: startLine, col: startColumn + 1, depth: indents.length + flow };
  }
  return undefined;
}

/**
 * Offsets of map keys equal to an earlier key of the same map, in one pass with a
 * set per map. Keys compare as the parser's own check does: scalar keys by value,
 * collection keys never equal.
 */
export function duplicateKeyOffsets(document: Document): number[] {
  const offsets: number[] = [];
  const stack: unknown[] = [document.contents];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isScalar(key)) {
          if (seen.has(key.value)) offsets.push(key.range?.[0] ?? 0);
          else seen.add(key.value);
        } else if (key !== null && typeof key === 'object') {
          stack.push(key);
        }
        stack.push(pair.value);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) stack.push(item);
    }
  }
  return offsets.sort((a, b) => a - b);
}

/** 1-based line and column of an offset. */
export function linePosition(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line += 1;
    lineStart = at + 1;
  }
  return { line, col: offset - lineStart + 1 };
}
