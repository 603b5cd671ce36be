/**
 * The tenant lease (src/unique/tenant-lease) is a claim content every writing cycle
 * registers in the root scope and deletes at its end. "Nothing written / deleted" checks are about
 * the wiki's contents, so they leave the lease's own traffic out with these.
 */
import type { RequestLogEntry, UniqueSimulator } from '../simulators/unique/index.js';

/** A claim `{tenant}/connector-lease/{holder}`, or the single lease content of earlier versions. */
export function isLeaseKey(key: string): boolean {
  return /\/connector-lease(\/[^/]*)?$/.test(key);
}

/** A predicate for the lease's writes among `unique`'s requests: its registrations and its deletions. */
export function leaseRequests(unique: UniqueSimulator): (request: RequestLogEntry) => boolean {
  const ids = new Set(unique.state.deletions().filter((d) => isLeaseKey(d.key)).map((d) => d.id));
  for (const content of unique.state.contents()) if (isLeaseKey(content.key)) ids.add(content.id);
  return (request) => {
    const variables = request.variables as { input?: { key?: string }; contentIds?: string[] } | undefined;
    if (typeof variables?.input?.key === 'string') return isLeaseKey(variables.input.key);
    return variables?.contentIds !== undefined && variables.contentIds.length > 0 && variables.contentIds.every((id) => ids.has(id));
  };
}
