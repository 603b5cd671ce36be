/**
 * `POST {ingestion}/v2/content/file-diff` (§5). The stored set is every content under
 * `partialKey + "/"` (found by binary search on the sorted keys), optionally narrowed
 * to the submitted source (§5 [U]) or widened to the same space under other key
 * prefixes (§14.15 [U]). Contents registered but never finalized are stored: they
 * count against deletions and, as on the real service (§4.9), their registration is
 * their last upsert, so they are NOT re-offered until the submitted time moves past it.
 */
import { isRecord } from './errors.js';
import { restError, type Reply } from './http-util.js';
import type { Store } from './store.js';

const SOURCE_KINDS = ['ATLASSIAN_CONFLUENCE_CLOUD', 'ATLASSIAN_CONFLUENCE_ONPREM'];
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/i;
const DAY_MS = 24 * 60 * 60 * 1000;

interface DiffRequest {
  partialKey: string;
  sourceKind: string;
  sourceName: string;
  items: Map<string, number>;
}

function readRequest(body: unknown): DiffRequest | string {
  if (!isRecord(body)) return 'Body must be a JSON object';
  const { partialKey, sourceKind, sourceName, fileList } = body;
  if (typeof partialKey !== 'string' || partialKey.length === 0) return 'partialKey must be a non-empty string';
  if (typeof sourceKind !== 'string' || !SOURCE_KINDS.includes(sourceKind)) return `sourceKind must be one of ${SOURCE_KINDS.join(', ')}`;
  if (typeof sourceName !== 'string' || sourceName.length === 0) return 'sourceName must be a non-empty string';
  if (!Array.isArray(fileList)) return 'fileList must be an array';
  const items = new Map<string, number>();
  for (const [i, item] of fileList.entries()) {
    if (!isRecord(item)) return `fileList[${i}] must be an object`;
    if (typeof item.key !== 'string' || item.key.length === 0) return `fileList[${i}].key must be a non-empty string`;
    if (typeof item.url !== 'string' || item.url.length === 0) return `fileList[${i}].url must be a non-empty string`;
    if (typeof item.updatedAt !== 'string' || !ISO_INSTANT.test(item.updatedAt) || Number.isNaN(Date.parse(item.updatedAt))) {
      return `fileList[${i}].updatedAt must be an ISO 8601 instant`;
    }
    items.set(item.key, Date.parse(item.updatedAt));
  }
  return { partialKey, sourceKind, sourceName, items };
}

export function fileDiff(body: unknown, store: Store): Reply {
  const request = readRequest(body);
  if (typeof request === 'string') return restError(400, request, { error: 'Bad Request' });
  const { contents, scenario } = store;
  const prefix = `${request.partialKey}/`;
  const sameSource = (key: string) => {
    const record = contents.get(key)!;
    return record.sourceKind === request.sourceKind && record.sourceName === request.sourceName;
  };

  // item key -> full key of the stored content it stands for
  const stored: [itemKey: string, fullKey: string][] = [];
  const [start, end] = contents.keys.prefixRange(prefix);
  for (const key of contents.keys.slice(start, end)) {
    if (!scenario.diffMatchesSource || sameSource(key)) stored.push([key.slice(prefix.length), key]);
  }
  if (scenario.diffMatchesOtherPrefixes) {
    const segment = request.partialKey.slice(request.partialKey.lastIndexOf('/') + 1);
    for (const key of contents.withSegment(segment)) {
      if (!key.startsWith(prefix) && sameSource(key)) stored.push([key.slice(key.lastIndexOf('/') + 1), key]);
    }
  }

  const now = Date.now();
  const newFiles: string[] = [];
  const updatedFiles: string[] = [];
  const storedUnderPrefix = new Set(stored.filter(([, full]) => full.startsWith(prefix)).map(([item]) => item));
  for (const [itemKey, submittedAt] of request.items) {
    if (!storedUnderPrefix.has(itemKey)) {
      newFiles.push(itemKey);
      continue;
    }
    const record = contents.get(prefix + itemKey)!;
    if (submittedAt > record.lastUpsertAt) updatedFiles.push(itemKey);
    else if (scenario.diffReoffersFailed && record.ingestionState.startsWith('FAILED') && (record.reofferedAt === null || now - record.reofferedAt >= DAY_MS)) {
      record.reofferedAt = now;
      updatedFiles.push(itemKey);
    }
  }
  const deleted = new Set<string>();
  for (const [itemKey, fullKey] of stored) {
    if (fullKey !== prefix + itemKey || !request.items.has(itemKey)) deleted.add(itemKey);
  }
  return { status: 200, body: { newFiles, updatedFiles, movedFiles: [], deletedFiles: [...deleted] } };
}
