import { errorCode } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { ContentApi } from '../../unique/content.js';
import { contentKey } from '../../unique/keys.js';

export interface SpaceDeletions {
  spaceKey: string;
  partialKey: string;
  /** Relative item keys from the file-diff's `deletedFiles`. */
  itemKeys: readonly string[];
}

export interface DeletionResult {
  deleted: number;
  failed: number;
  /** Keys the diff reported deleted that Unique no longer holds. */
  notFound: number;
}

/**
 * Unique contract §10.4: keys → ids (paginatedContent key in …) → delete in batches
 * of 20. Failures are logged and counted; the cycle carries on (what was not
 * deleted now comes back as deleted in the next diff).
 */
export async function deleteVanished(spaces: readonly SpaceDeletions[], content: Pick<ContentApi, 'idsByKeys' | 'deleteByIds'>, logger: Logger): Promise<DeletionResult> {
  const result: DeletionResult = { deleted: 0, failed: 0, notFound: 0 };
  for (const space of spaces) {
    if (space.itemKeys.length === 0) continue;
    const keys = space.itemKeys.map((itemKey) => contentKey(space.partialKey, itemKey));
    try {
      const ids = await content.idsByKeys(keys);
      const missing = keys.length - ids.size;
      if (missing > 0) logger.warn({ spaceKey: space.spaceKey, missing }, 'Deleted keys not found in Unique');
      result.notFound += missing;
      const outcome = await content.deleteByIds([...ids.values()]);
      result.deleted += outcome.deleted.length;
      result.failed += outcome.failed.length;
      if (outcome.failed.length > 0) {
        logger.error({ code: 'UNIQUE_DELETE_FAILED', spaceKey: space.spaceKey, failed: outcome.failed.length, error: outcome.errors[0]?.message }, 'Content deletion failed');
      }
    } catch (error) {
      result.failed += keys.length;
      logger.error({ code: errorCode(error), spaceKey: space.spaceKey, keys: keys.length, error: error instanceof Error ? error.message : String(error) }, 'Content deletion failed');
    }
  }
  return result;
}
