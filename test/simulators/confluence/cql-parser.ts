/**
 * Parser for the CQL subset of contract §4: parentheses, AND (binds tighter), OR,
 * and the clauses label =, space.type =, type =/!=, ancestor =/IN, id =/IN, space =,
 * title =. Keywords and field names are case-insensitive. Anything else is a
 * CqlError, which the routes answer with 400.
 */
export class CqlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CqlError';
  }
}

export type CqlClause =
  | { kind: 'label'; value: string }
  | { kind: 'spaceType'; value: string }
  | { kind: 'type'; value: string; negated: boolean }
  | { kind: 'ancestor'; ids: string[] }
  | { kind: 'id'; ids: string[] }
  | { kind: 'space'; key: string }
  | { kind: 'title'; value: string };
export type CqlNode = { kind: 'and' | 'or'; items: CqlNode[] } | CqlClause;

type Token =
  | { kind: 'punct'; text: '(' | ')' | ',' | '=' | '!=' }
  | { kind: 'word'; text: string }
  | { kind: 'string'; text: string };

const WORD = /[A-Za-z0-9_.\-:~]/;

function tokenize(cql: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < cql.length) {
    const c = cql[i] as string;
    if (/\s/.test(c)) { i++; continue; }
    if (c === '(' || c === ')' || c === ',' || c === '=') { tokens.push({ kind: 'punct', text: c }); i++; continue; }
    if (c === '!' && cql[i + 1] === '=') { tokens.push({ kind: 'punct', text: '!=' }); i += 2; continue; }
    if (c === '"' || c === "'") {
      let text = '';
      let j = i + 1;
      for (; j < cql.length && cql[j] !== c; j++) {
        // Backslash escapes the quote and itself (contract §3.1 title escaping).
        if (cql[j] === '\\' && j + 1 < cql.length) j++;
        text += cql[j];
      }
      if (j >= cql.length) throw new CqlError(`unterminated string starting at position ${i}`);
      tokens.push({ kind: 'string', text });
      i = j + 1;
      continue;
    }
    if (WORD.test(c)) {
      let j = i;
      while (j < cql.length && WORD.test(cql[j] as string)) j++;
      tokens.push({ kind: 'word', text: cql.slice(i, j) });
      i = j;
      continue;
    }
    throw new CqlError(`unexpected character '${c}' at position ${i}`);
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  parseQuery(): CqlNode {
    if (this.tokens.length === 0) throw new CqlError('empty query');
    const node = this.parseOr();
    if (this.pos < this.tokens.length) throw new CqlError(`unexpected '${this.tokens[this.pos]?.text}'`);
    return node;
  }

  private parseOr(): CqlNode {
    const items = [this.parseAnd()];
    while (this.keyword('or')) items.push(this.parseAnd());
    return items.length === 1 ? (items[0] as CqlNode) : { kind: 'or', items };
  }

  private parseAnd(): CqlNode {
    const items = [this.parsePrimary()];
    while (this.keyword('and')) items.push(this.parsePrimary());
    return items.length === 1 ? (items[0] as CqlNode) : { kind: 'and', items };
  }

  private parsePrimary(): CqlNode {
    if (this.punct('(')) {
      const inner = this.parseOr();
      if (!this.punct(')')) throw new CqlError('missing closing parenthesis');
      return inner;
    }
    const field = this.next();
    if (field?.kind !== 'word') throw new CqlError(`expected a field, got '${field?.text ?? 'end of query'}'`);
    const name = field.text.toLowerCase();
    switch (name) {
      case 'label': return { kind: 'label', value: this.equalsValue(name).toLowerCase() };
      case 'space.type': return { kind: 'spaceType', value: this.equalsValue(name).toLowerCase() };
      case 'space': return { kind: 'space', key: this.equalsValue(name) };
      case 'title': return { kind: 'title', value: this.equalsValue(name) };
      case 'type': {
        const negated = this.punct('!=');
        if (!negated && !this.punct('=')) throw new CqlError(`unsupported operator after 'type'`);
        return { kind: 'type', value: this.value().toLowerCase(), negated };
      }
      case 'ancestor':
      case 'id': {
        const ids = this.idsOperand(name).map((id) => {
          if (!/^\d+$/.test(id)) throw new CqlError(`'${id}' is not a content id`);
          return id;
        });
        return name === 'id' ? { kind: 'id', ids } : { kind: 'ancestor', ids };
      }
      default:
        throw new CqlError(`unsupported field '${field.text}'`);
    }
  }

  private idsOperand(field: string): string[] {
    if (this.punct('=')) return [this.value()];
    if (!this.keyword('in')) throw new CqlError(`unsupported operator after '${field}'`);
    if (!this.punct('(')) throw new CqlError(`expected '(' after IN`);
    const ids = [this.value()];
    while (this.punct(',')) ids.push(this.value());
    if (!this.punct(')')) throw new CqlError(`expected ')' to close IN list`);
    return ids;
  }

  private equalsValue(field: string): string {
    if (!this.punct('=')) throw new CqlError(`unsupported operator after '${field}'`);
    return this.value();
  }

  private value(): string {
    const token = this.next();
    if (token?.kind === 'string' || token?.kind === 'word') return token.text;
    throw new CqlError(`expected a value, got '${token?.text ?? 'end of query'}'`);
  }

  private keyword(word: string): boolean {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'word' || token.text.toLowerCase() !== word) return false;
    this.pos++;
    return true;
  }

  private punct(text: string): boolean {
    const token = this.tokens[this.pos];
    if (token?.kind !== 'punct' || token.text !== text) return false;
    this.pos++;
    return true;
  }

  private next(): Token | undefined {
    return this.tokens[this.pos++];
  }
}

export function parseCql(cql: string): CqlNode {
  return new Parser(tokenize(cql)).parseQuery();
}
