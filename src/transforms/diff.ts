import { effectiveUpdatedAt } from '../convert/version.js';
import { ConnectorError } from '../errors.js';
import type { TenantConfig } from '../config/types.js';
import { type Logger, stageLogger } from '../log.js';
import type { PipelineRecord, SpaceRef } from '../records.js';
import type { ContentApi } from '../unique/content.js';
import type { FileDiffClient, FileDiffItem } from '../unique/file-diff.js';
import { attachmentItemKey, contentKey, pageItemKey, partialKey, sourceKind } from '../unique/keys.js';
import { pendingAttemptOf } from '../unique/pending-marker.js';
import type { StoredBySpace } from '../unique/stored-contents.js';
import { evaluateGuards, needsStoredCount } from './diff-guards.js';

export interface SpaceDiff {
  space: SpaceRef;
  partialKey: string;
  submitted: number;
  newKeys: string[];
  updatedKeys: string[];
  deletedKeys: string[];
  /** Submitted keys the file-diff called unchanged whose stored content was never finalized (pending mark): re-ingested. */
  recoveredKeys: string[];
}

/** What the diff decided for the whole tenant: what to ingest and what to delete. */
export interface ChangePlan {
  spaces: SpaceDiff[];
  /** New and updated records, pages before attachments (Unique contract §7). */
  changed: PipelineRecord[];
  unchanged: number;
}

export interface DiffDeps {
  tenant: TenantConfig;
  fileDiff: Pick<FileDiffClient, 'diff'>;
  content: Pick<ContentApi, 'countByPrefix'>;
  logger: Logger;
  /** Each space's stored contents, listed once this cycle; a space absent is not recovered this cycle. */
  stored?: StoredBySpace;
}

/** The file-diff item key of a record, relative to its space's partial key (Unique contract §8). */
export function itemKeyOf(record: PipelineRecord): string {
  return record.kind === 'page' ? pageItemKey(record.id) : attachmentItemKey(record.pageId, record.id);
}

/**
 * The page's `updatedAt` is never earlier than the converter's release, so a new
 * converter re-ingests every page once; attachments are sent as Confluence dates them.
 */
export function diffUpdatedAt(record: PipelineRecord): string {
  return record.kind === 'page' ? effectiveUpdatedAt(record.updatedAt) : record.updatedAt;
}

/**
 * Change detection: a barrier on metadata only (bodies are fetched later, for the
 * changed pages alone). One file-diff per space with every item of that space, the
 * §12 guards after each, and every space diffed before anything is written.
 *
 * Recovery of interrupted items: the file-diff counts a registration as an upsert
 * (contract §5), so an item registered and never finalized looks unchanged forever.
 * Its stored metadata still carries a pending mark (unique/pending-marker), so every
 * submitted item whose stored content has one is planned as changed anyway.
 */
export async function planChanges(records: readonly PipelineRecord[], deps: DiffDeps): Promise<ChangePlan> {
  const log = stageLogger(deps.logger, 'diff');
  const { tenant } = deps;
  const groups = groupBySpace(records, tenant);
  const spaces: SpaceDiff[] = [];
  const changedKeys = new Set<string>();
  for (const group of groups.values()) {
    const fileList: FileDiffItem[] = group.records.map((record) => ({ key: itemKeyOf(record), url: record.webUrl, updatedAt: diffUpdatedAt(record) }));
    const result = await deps.fileDiff.diff({
      partialKey: group.partialKey,
      sourceKind: sourceKind(tenant.confluence.instanceType),
      sourceName: tenant.confluence.baseUrl,
      fileList,
    });
    const submittedKeys = new Set(fileList.map((item) => item.key));
    const storedCount = needsStoredCount({ deletedKeys: result.deletedFiles }) ? await deps.content.countByPrefix(group.partialKey) : undefined;
    const verdict = evaluateGuards({ submittedKeys, newKeys: result.newFiles, deletedKeys: result.deletedFiles, storedCount });
    if (verdict.kind === 'abort') {
      log.error({ code: 'SAFETY_GUARD_TRIPPED', spaceKey: group.space.key, partialKey: group.partialKey, reason: verdict.reason }, 'Safety guard tripped, cycle aborted');
      throw new ConnectorError('SAFETY_GUARD_TRIPPED', `space ${group.space.key}: ${verdict.reason}`, {
        details: { spaceKey: group.space.key, partialKey: group.partialKey },
      });
    }
    if (verdict.kind === 'warn') log.warn({ spaceKey: group.space.key, reason: verdict.reason }, 'Whole space replaced by new keys');
    const diffChanged = new Set([...result.newFiles, ...result.updatedFiles]);
    const recoveredKeys = pendingKeys(deps.stored?.get(group.partialKey), group.partialKey, submittedKeys).filter((key) => !diffChanged.has(key));
    if (recoveredKeys.length > 0) log.info({ spaceKey: group.space.key, recovered: recoveredKeys.length }, 'Interrupted items found, re-ingested');
    spaces.push({
      space: group.space,
      partialKey: group.partialKey,
      submitted: fileList.length,
      newKeys: result.newFiles,
      updatedKeys: result.updatedFiles,
      deletedKeys: result.deletedFiles,
      recoveredKeys,
    });
    for (const key of [...diffChanged, ...recoveredKeys]) changedKeys.add(contentKey(group.partialKey, key));
  }
  const changed = records.filter((record) => changedKeys.has(contentKey(partialKeyOf(record.space, tenant), itemKeyOf(record))));
  changed.sort((a, b) => kindOrder(a) - kindOrder(b));
  return { spaces, changed, unchanged: records.length - changed.length };
}

/** Submitted item keys whose stored content still carries a pending mark. */
function pendingKeys(stored: ReadonlyMap<string, { metadata: Record<string, unknown> | null }> | undefined, partial: string, submitted: ReadonlySet<string>): string[] {
  if (stored === undefined) return [];
  const keys: string[] = [];
  for (const itemKey of submitted) {
    if (pendingAttemptOf(stored.get(contentKey(partial, itemKey))?.metadata) !== undefined) keys.push(itemKey);
  }
  return keys;
}

interface SpaceGroup {
  space: SpaceRef;
  partialKey: string;
  records: PipelineRecord[];
}

function groupBySpace(records: readonly PipelineRecord[], tenant: TenantConfig): Map<string, SpaceGroup> {
  const groups = new Map<string, SpaceGroup>();
  for (const record of records) {
    const key = partialKeyOf(record.space, tenant);
    let group = groups.get(key);
    if (group === undefined) {
      group = { space: record.space, partialKey: key, records: [] };
      groups.set(key, group);
    }
    group.records.push(record);
  }
  return groups;
}

function partialKeyOf(space: SpaceRef, tenant: TenantConfig): string {
  return partialKey(tenant.name, space, tenant.ingestion.useV1KeyFormat);
}

function kindOrder(record: PipelineRecord): number {
  return record.kind === 'page' ? 0 : 1;
}
