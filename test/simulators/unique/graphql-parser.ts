/**
 * A small, tolerant GraphQL document parser: enough to find the operation type, the
 * root fields with their arguments (variables or literals) and the selection sets the
 * simulator projects its answers onto. Named fragments and directives are not part of
 * what the connector sends; fragments are rejected, directives ignored.
 */

export type ValueNode =
  | { kind: 'var'; name: string }
  | { kind: 'const'; value: unknown }
  | { kind: 'list'; items: ValueNode[] }
  | { kind: 'object'; fields: Record<string, ValueNode> };

export interface FieldNode {
  alias: string | null;
  name: string;
  args: Record<string, ValueNode>;
  selection: FieldNode[] | null;
}

export interface OperationNode {
  type: 'query' | 'mutation' | 'subscription';
  name: string | null;
  variableDefaults: Record<string, ValueNode>;
  selection: FieldNode[];
}

export class ParseError extends Error {}

type Token = { kind: 'punct' | 'name' | 'number' | 'string'; text: string; value?: unknown };

const PUNCT = new Set(['!', '$', '&', '(', ')', ':', '=', '@', '[', ']', '{', '|', '}']);

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const re = /[\s,\ufeff]+|#[^\n\r]*|\.\.\.|"""[\s\S]*?"""|"(?:[^"\\\n]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[_A-Za-z][_0-9A-Za-z]*|./gy;
  for (let m = re.exec(source); m !== null && m[0].length > 0; m = re.exec(source)) {
    const text = m[0];
    const c = text[0]!;
    if (/[\s,\ufeff]/.test(c) || c === '#') continue;
    if (text === '...') tokens.push({ kind: 'punct', text });
    else if (text.startsWith('"""')) tokens.push({ kind: 'string', text, value: text.slice(3, -3) });
    else if (c === '"') tokens.push({ kind: 'string', text, value: JSON.parse(text) });
    else if (c === '-' || (c >= '0' && c <= '9')) tokens.push({ kind: 'number', text, value: Number(text) });
    else if (/[_A-Za-z]/.test(c)) tokens.push({ kind: 'name', text });
    else if (PUNCT.has(c)) tokens.push({ kind: 'punct', text });
    else throw new ParseError(`Unexpected character ${JSON.stringify(c)}`);
  }
  return tokens;
}

class Parser {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  get done(): boolean {
    return this.pos >= this.tokens.length;
  }

  private peek(text?: string): boolean {
    const token = this.tokens[this.pos];
    return token !== undefined && (text === undefined || (token.text === text && token.kind !== 'string'));
  }

  private next(): Token {
    const token = this.tokens[this.pos++];
    if (!token) throw new ParseError('Unexpected end of document');
    return token;
  }

  private expect(text: string): void {
    const token = this.next();
    if (token.text !== text || token.kind === 'string') throw new ParseError(`Expected "${text}", found "${token.text}"`);
  }

  private name(): string {
    const token = this.next();
    if (token.kind !== 'name') throw new ParseError(`Expected a name, found "${token.text}"`);
    return token.text;
  }

  definition(): OperationNode {
    if (this.peek('{')) return { type: 'query', name: null, variableDefaults: {}, selection: this.selectionSet() };
    const keyword = this.name();
    if (keyword === 'fragment') throw new ParseError('Fragments are not supported by the simulator');
    if (keyword !== 'query' && keyword !== 'mutation' && keyword !== 'subscription') {
      throw new ParseError(`Unknown definition "${keyword}"`);
    }
    const name = this.peek('(') || this.peek('{') || this.peek('@') ? null : this.name();
    const variableDefaults = this.peek('(') ? this.variableDefinitions() : {};
    this.directives();
    return { type: keyword, name, variableDefaults, selection: this.selectionSet() };
  }

  private variableDefinitions(): Record<string, ValueNode> {
    const defaults: Record<string, ValueNode> = {};
    this.expect('(');
    while (!this.peek(')')) {
      this.expect('$');
      const name = this.name();
      this.expect(':');
      this.type();
      if (this.peek('=')) {
        this.next();
        defaults[name] = this.value();
      }
      this.directives();
    }
    this.expect(')');
    return defaults;
  }

  private type(): void {
    if (this.peek('[')) {
      this.next();
      this.type();
      this.expect(']');
    } else this.name();
    if (this.peek('!')) this.next();
  }

  private directives(): void {
    while (this.peek('@')) {
      this.next();
      this.name();
      if (this.peek('(')) this.arguments();
    }
  }

  private selectionSet(): FieldNode[] {
    const fields: FieldNode[] = [];
    this.expect('{');
    while (!this.peek('}')) {
      if (this.peek('...')) {
        this.next();
        if (!this.peek('on')) throw new ParseError('Fragment spreads are not supported by the simulator');
        this.next();
        this.name();
        this.directives();
        fields.push(...this.selectionSet());
        continue;
      }
      const first = this.name();
      let alias: string | null = null;
      let name = first;
      if (this.peek(':')) {
        this.next();
        alias = first;
        name = this.name();
      }
      const args = this.peek('(') ? this.arguments() : {};
      this.directives();
      fields.push({ alias, name, args, selection: this.peek('{') ? this.selectionSet() : null });
    }
    this.expect('}');
    if (fields.length === 0) throw new ParseError('Empty selection set');
    return fields;
  }

  private arguments(): Record<string, ValueNode> {
    const args: Record<string, ValueNode> = {};
    this.expect('(');
    while (!this.peek(')')) {
      const name = this.name();
      this.expect(':');
      args[name] = this.value();
    }
    this.expect(')');
    return args;
  }

  private value(): ValueNode {
    const token = this.next();
    if (token.kind === 'string' || token.kind === 'number') return { kind: 'const', value: token.value };
    if (token.kind === 'name') {
      if (token.text === 'true' || token.text === 'false') return { kind: 'const', value: token.text === 'true' };
      if (token.text === 'null') return { kind: 'const', value: null };
      return { kind: 'const', value: token.text }; // enum values travel as strings (§3)
    }
    if (token.text === '$') return { kind: 'var', name: this.name() };
    if (token.text === '[') {
      const items: ValueNode[] = [];
      while (!this.peek(']')) items.push(this.value());
      this.next();
      return { kind: 'list', items };
    }
    if (token.text === '{') {
      const fields: Record<string, ValueNode> = {};
      while (!this.peek('}')) {
        const name = this.name();
        this.expect(':');
        fields[name] = this.value();
      }
      this.next();
      return { kind: 'object', fields };
    }
    throw new ParseError(`Unexpected "${token.text}" in a value`);
  }
}

/** Parses the document and picks the operation named `operationName`, or the first one. */
export function parseOperation(document: string, operationName?: string | null): OperationNode {
  const parser = new Parser(tokenize(document));
  const operations: OperationNode[] = [];
  while (!parser.done) operations.push(parser.definition());
  if (operations.length === 0) throw new ParseError('The document has no operation');
  // Routing is by root field (§3): a stale operationName on a one-operation document is tolerated.
  if (operationName && operations.length > 1) {
    const named = operations.find((op) => op.name === operationName);
    if (!named) throw new ParseError(`Unknown operation named "${operationName}"`);
    return named;
  }
  return operations[0]!;
}

export function evaluate(node: ValueNode, variables: Record<string, unknown>, defaults: Record<string, ValueNode>): unknown {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'var':
      if (node.name in variables) return variables[node.name];
      return defaults[node.name] ? evaluate(defaults[node.name]!, variables, defaults) : undefined;
    case 'list':
      return node.items.map((item) => evaluate(item, variables, defaults));
    case 'object':
      return Object.fromEntries(Object.entries(node.fields).map(([k, v]) => [k, evaluate(v, variables, defaults)]));
  }
}
