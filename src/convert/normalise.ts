/**
 * Repairs the output tree into valid HTML5 without losing text: a block inside a
 * phrasing-only element splits it (`<p>a<aside>…</aside>b</p>` becomes
 * `<p>a</p><aside>…</aside><p>b</p>`, which is also what a browser does), list and
 * table parents get only the children they allow, nested links are unwrapped, empty
 * formatting and whitespace between blocks go, and characters HTML forbids are removed.
 * One pass, bottom-up: each node is visited once and each block moves up at most as
 * many levels as it is deep.
 */
import { element, isBlock, PHRASING_CONTAINERS, text, type OutElement, type OutNode } from './out.js';

/** Dropped when they end up with no children (they mean nothing empty). */
const DROPPED_WHEN_EMPTY = new Set([...PHRASING_CONTAINERS, 'blockquote', 'aside', 'div', 'ul', 'ol', 'dl', 'table', 'thead', 'tbody', 'tfoot', 'tr', 'details', 'figure']);
/**
 * Blocks dropped when they hold no content (no text, image, link or other element):
 * `<p><br/></p>`, a template's empty list item. Table cells stay, for the structure.
 */
const DROPPED_WITHOUT_CONTENT = new Set(['p', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'summary', 'li', 'dt', 'dd', 'blockquote', 'aside', 'div', 'details', 'figure', 'figcaption', 'section', 'pre']);
/**
 * Inline wrappers without content give way to what they hold (whitespace, a line
 * break), so `a<strong> </strong>b` keeps its space.
 */
const UNWRAPPED_WITHOUT_CONTENT = new Set([...PHRASING_CONTAINERS].filter((tag) => !DROPPED_WITHOUT_CONTENT.has(tag)));
/** Elements that are not content on their own. */
const NOT_CONTENT = new Set(['br', 'wbr']);

/** Flow containers whose loose inline content between blocks becomes paragraphs. */
const SECTIONING = new Set(['aside', 'blockquote', 'details', 'div', 'section', 'article', 'header', 'footer', 'nav', 'main', 'figure', 'address']);

/**
 * Elements that are only valid inside a particular parent, and the parent that adopts
 * them when they turn up elsewhere (a list item with its list's opening tag lost).
 */
const ORPHAN_PARENTS: Readonly<Record<string, { parent: string; validIn: readonly string[] }>> = {
  li: { parent: 'ul', validIn: ['ul', 'ol'] },
  dt: { parent: 'dl', validIn: ['dl'] },
  dd: { parent: 'dl', validIn: ['dl'] },
  tr: { parent: 'table', validIn: ['table', 'thead', 'tbody', 'tfoot'] },
  td: { parent: 'tr', validIn: ['tr'] },
  th: { parent: 'tr', validIn: ['tr'] },
  thead: { parent: 'table', validIn: ['table'] },
  tbody: { parent: 'table', validIn: ['table'] },
  tfoot: { parent: 'table', validIn: ['table'] },
  caption: { parent: 'table', validIn: ['table'] },
};

/** Captions that lost their parent become ordinary blocks instead of being adopted. */
const RENAMED_ORPHANS: Readonly<Record<string, { tag: string; validIn: string }>> = {
  summary: { tag: 'p', validIn: 'details' },
  figcaption: { tag: 'div', validIn: 'figure' },
};

export function normalise(nodes: readonly OutNode[]): OutNode[] {
  return paragraphsBetweenBlocks(trimBetweenBlocks(adoptOrphans(normaliseChildren(nodes, false), '')));
}

function normaliseChildren(nodes: readonly OutNode[], insideLink: boolean): OutNode[] {
  const out: OutNode[] = [];
  // Adjacent text is merged so whitespace decisions see whole runs; the pieces are
  // joined once per run, not concatenated one by one. (Written without per-node arrays
  // or closures: this runs for every node of every page.)
  let pendingText: string[] = [];
  for (const node of nodes) {
    if (node.kind === 'text') {
      const cleaned = cleanText(node.text);
      if (cleaned) pendingText.push(cleaned);
      continue;
    }
    for (const child of normaliseElement(node, insideLink)) {
      if (child.kind === 'text') {
        if (child.text) pendingText.push(child.text);
      } else {
        if (pendingText.length > 0) {
          out.push(text(pendingText.join('')));
          pendingText = [];
        }
        out.push(child);
      }
    }
  }
  if (pendingText.length > 0) out.push(text(pendingText.join('')));
  return out;
}

function normaliseElement(node: OutElement, insideLink: boolean): OutNode[] {
  const children = normaliseChildren(node.children, insideLink || node.tag === 'a');
  // A link inside a link is invalid; the inner one gives way to its text.
  if (node.tag === 'a' && insideLink) return children;
  return repair(node, adoptOrphans(children, node.tag));
}

/** Fixes an element whose children are already normalised. */
function repair(node: OutElement, children: OutNode[]): OutNode[] {
  let repaired: OutNode[];
  if (node.tag === 'ol') repaired = wrapStrays(children, (tag) => tag === 'li', 'li', true);
  // `value` numbers items of an ordered list only; on a `<ul>` item it is invalid.
  else if (node.tag === 'ul') repaired = wrapStrays(children, (tag) => tag === 'li', 'li', true).map(withoutValue);
  else if (node.tag === 'dl') repaired = wrapStrays(children, (tag) => tag === 'dt' || tag === 'dd' || tag === 'div', 'dd', true);
  else if (node.tag === 'tr') repaired = wrapStrays(children, (tag) => tag === 'td' || tag === 'th', 'td', false);
  else if (node.tag === 'table' || node.tag === 'thead' || node.tag === 'tbody' || node.tag === 'tfoot') repaired = tableRows(node.tag, children);
  else if (PHRASING_CONTAINERS.has(node.tag)) return splitAroundBlocks(node, children);
  else if (SECTIONING.has(node.tag)) repaired = paragraphsBetweenBlocks(trimBetweenBlocks(children));
  else repaired = trimBetweenBlocks(children);
  return keepUnlessEmpty({ ...node, children: repaired });
}

function withoutValue(item: OutNode): OutNode {
  return item.kind === 'element' && item.attrs.length > 0 ? { ...item, attrs: item.attrs.filter(([name]) => name !== 'value') } : item;
}

function keepUnlessEmpty(node: OutElement): OutNode[] {
  if (node.children.length === 0 && DROPPED_WHEN_EMPTY.has(node.tag)) return [];
  if (hasContent(node.children)) return [node];
  if (DROPPED_WITHOUT_CONTENT.has(node.tag)) return [];
  if (UNWRAPPED_WITHOUT_CONTENT.has(node.tag)) return node.children;
  return [node];
}

/** Text that is not blank, or an element that is content (children are normalised: empty ones are gone). */
function hasContent(children: readonly OutNode[]): boolean {
  for (const child of children) {
    if (child.kind === 'text' ? !isBlank(child.text) : !NOT_CONTENT.has(child.tag)) return true;
  }
  return false;
}

/** A phrasing-only element around blocks: one copy per run of inline content, blocks between. */
function splitAroundBlocks(node: OutElement, children: OutNode[]): OutNode[] {
  if (!children.some(isBlock)) return keepUnlessEmpty({ ...node, children });
  const out: OutNode[] = [];
  let run: OutNode[] = [];
  const flush = (): void => {
    if (run.some((child) => child.kind === 'element' || !isBlank(child.text))) out.push(...keepUnlessEmpty({ ...node, children: run }));
    run = [];
  };
  for (const child of children) {
    if (isBlock(child)) {
      flush();
      out.push(child);
    } else run.push(child);
  }
  flush();
  return out;
}

/**
 * Gives each run of out-of-place items the parent they need (a `td` gets a `tr`, which
 * in turn gets a `table`), so a lost opening tag never leaves an invalid fragment.
 */
function adoptOrphans(children: OutNode[], parentTag: string): OutNode[] {
  // Almost always nothing to rename: the children are then taken as they are, not copied.
  let current = children.some((child) => renamedOrphan(child, parentTag) !== undefined)
    ? children.map((child) => {
        const renamed = renamedOrphan(child, parentTag);
        return renamed === undefined ? child : { ...(child as OutElement), tag: renamed };
      })
    : children;
  // At most three rounds: td → tr → table is the longest chain of adoptions.
  for (let round = 0; round < 3; round++) {
    if (!current.some((child) => isOrphan(child, parentTag))) return current;
    const out: OutNode[] = [];
    for (let index = 0; index < current.length; index++) {
      const child = current[index]!;
      if (!isOrphan(child, parentTag)) {
        out.push(child);
        continue;
      }
      const adopter = ORPHAN_PARENTS[(child as OutElement).tag]!.parent;
      const adopted: OutNode[] = [child];
      while (index + 1 < current.length && isOrphanFor(current[index + 1]!, parentTag, adopter)) adopted.push(current[++index]!);
      // Within a run, whitespace between items goes with them (the new parent trims it).
      out.push(...repair(element(adopter), adopted));
    }
    current = out;
  }
  return current;
}

/** The tag a caption outside its parent becomes, or undefined. */
function renamedOrphan(node: OutNode, parentTag: string): string | undefined {
  if (node.kind !== 'element' || !Object.hasOwn(RENAMED_ORPHANS, node.tag)) return undefined;
  const renamed = RENAMED_ORPHANS[node.tag]!;
  return renamed.validIn === parentTag ? undefined : renamed.tag;
}

function isOrphan(node: OutNode, parentTag: string): boolean {
  if (node.kind !== 'element') return false;
  const rule = ORPHAN_PARENTS[node.tag];
  return rule !== undefined && !rule.validIn.includes(parentTag);
}

/** The next node joins the run: an orphan with the same adopter, or whitespace. */
function isOrphanFor(node: OutNode, parentTag: string, adopter: string): boolean {
  if (node.kind === 'text') return isBlank(node.text);
  return isOrphan(node, parentTag) && ORPHAN_PARENTS[node.tag]!.parent === adopter;
}

/**
 * Keeps the allowed children of a list, definition list or row; other content is
 * wrapped in an allowed element (in a list, joined to the previous item: a nested
 * list written directly inside `<ul>` belongs to the item above it).
 */
function wrapStrays(children: OutNode[], allowed: (tag: string) => boolean, wrapper: string, joinPrevious: boolean): OutNode[] {
  const out: OutElement[] = [];
  let strays: OutNode[] = [];
  const flush = (): void => {
    if (strays.length === 0) return;
    const last = out[out.length - 1];
    if (joinPrevious && last) out[out.length - 1] = { ...last, children: trimBetweenBlocks([...last.children, ...strays]) };
    else out.push(element(wrapper, trimBetweenBlocks(strays)));
    strays = [];
  };
  for (const child of children) {
    if (child.kind === 'text' && isBlank(child.text)) continue;
    if (child.kind === 'element' && allowed(child.tag)) {
      flush();
      out.push(child);
    } else strays.push(child);
  }
  flush();
  return out;
}

/** Table parents hold rows and sections; cells or other content outside a row get one. */
function tableRows(tag: string, children: OutNode[]): OutNode[] {
  const sections = tag === 'table' ? ['caption', 'thead', 'tbody', 'tfoot', 'tr'] : ['tr'];
  const out: OutNode[] = [];
  let strays: OutNode[] = [];
  const flush = (): void => {
    if (strays.length > 0) out.push(element('tr', wrapStrays(strays, (cell) => cell === 'td' || cell === 'th', 'td', false)));
    strays = [];
  };
  for (const child of children) {
    if (child.kind === 'text' && isBlank(child.text)) continue;
    if (child.kind === 'element' && sections.includes(child.tag)) {
      flush();
      out.push(child);
    } else strays.push(child);
  }
  flush();
  return out;
}

/**
 * Loose inline content between blocks (text an unclosed macro swallowed, an image
 * marker at the top level) becomes a paragraph of its own, trimmed, so each block of
 * the output reads as one. List items and cells keep mixed content as it is.
 */
function paragraphsBetweenBlocks(children: OutNode[]): OutNode[] {
  if (!children.some(isBlock) || children.every(isBlockLike)) return children;
  const out: OutNode[] = [];
  let run: OutNode[] = [];
  const flush = (): void => {
    const first = run[0];
    if (first?.kind === 'text') run[0] = text(first.text.trimStart());
    const last = run[run.length - 1];
    if (last?.kind === 'text') run[run.length - 1] = text(last.text.trimEnd());
    const content = run.filter((child) => child.kind === 'element' || child.text !== '');
    if (content.length > 0) out.push(element('p', content));
    run = [];
  };
  for (const child of children) {
    if (isBlockLike(child)) {
      flush();
      out.push(child);
    } else run.push(child);
  }
  flush();
  return out;
}

/** Elements that must not go into a paragraph: blocks, and parts such as a details summary. */
const BLOCK_PARTS = new Set(['summary', 'figcaption', 'caption', 'li', 'dt', 'dd', 'tr', 'thead', 'tbody', 'tfoot', 'td', 'th']);

function isBlockLike(node: OutNode): boolean {
  return isBlock(node) || (node.kind === 'element' && BLOCK_PARTS.has(node.tag));
}

/** Drops whitespace-only text that sits next to a block or at the edge of a flow container. */
function trimBetweenBlocks(children: OutNode[]): OutNode[] {
  return children.filter((child, index) => {
    if (child.kind !== 'text' || !isBlank(child.text)) return true;
    const previous = children[index - 1];
    const next = children[index + 1];
    return previous !== undefined && next !== undefined && !isBlock(previous) && !isBlock(next);
  });
}

const NON_SPACE = /\S/;

/** Only whitespace (or nothing): what `trim()` would empty, tested without making the trimmed copy. */
function isBlank(value: string): boolean {
  return !NON_SPACE.test(value);
}

// C0 controls other than tab, LF, FF and CR, DEL, and unpaired surrogates cannot appear in
// valid HTML (and a lone surrogate cannot even be encoded as UTF-8).
const FORBIDDEN_CHARACTERS = /[\u0000-\u0008\u000B\u000E-\u001F\u007F]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Any character that can start a forbidden match: a cheap test that lets clean text (nearly all of it) pass untouched. */
const MAYBE_FORBIDDEN = /[\u0000-\u0008\u000B\u000E-\u001F\u007F\uD800-\uDFFF]/;

function cleanText(value: string): string {
  if (!MAYBE_FORBIDDEN.test(value)) return value;
  return value.replace(FORBIDDEN_CHARACTERS, (match) => (match.length === 1 && match >= '\uD800' ? '\uFFFD' : ''));
}
