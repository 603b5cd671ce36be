/**
 * What a storage body refers to outside itself and the converter cannot know without
 * I/O: the pages its `include` / `excerpt-include` macros name and the users it
 * mentions. Pure; the resolve-references stage looks them up before conversion.
 */
import { isTag, type ChildNode } from 'domhandler';
import { includeKey } from './context.js';
import { includeReference, type IncludeReference } from './includes.js';
import { USER_ID_ATTRIBUTES } from './links.js';
import { attr, macroParameters, parseStorage, tagOf } from './parse.js';

export interface UserReference {
  kind: 'account-id' | 'userkey' | 'username';
  id: string;
}

export interface StorageReferences {
  includes: IncludeReference[];
  users: UserReference[];
}

const USER_KINDS: Readonly<Record<(typeof USER_ID_ATTRIBUTES)[number], UserReference['kind']>> = {
  'ri:account-id': 'account-id',
  'ri:userkey': 'userkey',
  'ri:username': 'username',
};

/** Cheap test before a parse: most bodies include nothing and mention no one. */
const MAY_REFER = /ac:name\s*=\s*["'](?:excerpt-)?include["']|<ri:user\b/i;

/** The distinct pages included and users mentioned, in document order. */
export function findReferences(storage: string, spaceKey: string | undefined): StorageReferences {
  const found: StorageReferences = { includes: [], users: [] };
  if (!MAY_REFER.test(storage)) return found;
  const seenPages = new Set<string>();
  const seenUsers = new Set<string>();
  const stack: ChildNode[] = [...parseStorage(storage)].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (!isTag(node)) continue;
    const tag = tagOf(node);
    if (tag === 'ac:structured-macro' || tag === 'ac:macro') {
      const name = (attr(node, 'ac:name') ?? '').trim().toLowerCase();
      if (name === 'include' || name === 'excerpt-include') {
        const target = includeReference(macroParameters(node).get(''), spaceKey);
        const key = target ? includeKey(target.spaceKey, target.title) : undefined;
        if (target && key && !seenPages.has(key)) {
          seenPages.add(key);
          found.includes.push(target);
        }
      }
    } else if (tag === 'ri:user') {
      for (const name of USER_ID_ATTRIBUTES) {
        const id = attr(node, name)?.trim();
        if (id && !seenUsers.has(`${name}:${id}`)) {
          seenUsers.add(`${name}:${id}`);
          found.users.push({ kind: USER_KINDS[name], id });
          break;
        }
      }
    }
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return found;
}
