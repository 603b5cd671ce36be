/**
 * The exact CQL strings and expand lists of contract §3 and §4. They are part of the
 * wire contract (a simulator and a real Confluence must both accept them), so they
 * live here as data, byte for byte, and are tested as strings.
 */
import type { InstanceType } from '../config/types.js';
import type { SyncLabels } from '../records.js';

/** §4: E2 is issued per batch of at most this many root ids. */
export const DESCENDANT_BATCH_SIZE = 100;
/** §3.1: DC caps responses with a `body` expansion at 50; Cloud's cap is unpublished, 50 is safe there too. */
export const BODY_BATCH_SIZE = 50;

const CONTENT_EXPAND = 'metadata.labels,version,space';
const ATTACHMENT_EXPAND = 'children.attachment,children.attachment.version,children.attachment.extensions';
/** §3 [R]: the breadcrumb, appended after the contract's exact list. */
const ANCESTORS_EXPAND = 'ancestors';

/** §17: what discovery adds when restricted pages are withheld, and the whole expand list of the ancestor lookup. */
export const READ_RESTRICTIONS_EXPAND = 'restrictions.read.restrictions.user,restrictions.read.restrictions.group';

/**
 * E1, E2 and E8 expand list: §3 exactly, plus `ancestors` for the breadcrumb and the
 * "all" selection, plus (discovery with `readRestrictions`) the §17 read restrictions.
 */
export function contentExpand(attachmentsEnabled: boolean, options: { readRestrictions?: boolean } = {}): string {
  const base = attachmentsEnabled ? `${CONTENT_EXPAND},${ATTACHMENT_EXPAND}` : CONTENT_EXPAND;
  return options.readRestrictions === true ? `${base},${ANCESTORS_EXPAND},${READ_RESTRICTIONS_EXPAND}` : `${base},${ANCESTORS_EXPAND}`;
}

/** E3 (and the batched body fetch of §3.1). */
export const BODY_EXPAND = 'body.storage,version,space,metadata.labels';

/** §1: the space types a flavour scans (Cloud adds collaboration spaces); personal spaces never. */
export function scannedSpaceTypes(flavour: InstanceType): readonly string[] {
  return flavour === 'cloud' ? ['global', 'collaboration'] : ['global'];
}

/** E1: pages labelled "single" or "all", in the spaces the flavour scans (§1, §4). */
export function discoveryCql(flavour: InstanceType, labels: SyncLabels): string {
  const labelClause = `((label="${labels.single}") OR (label="${labels.all}"))`;
  const types = scannedSpaceTypes(flavour).map((type) => `space.type=${type}`);
  const spaceClause = types.length === 1 ? types[0]! : `(${types.join(' OR ')})`;
  return `${labelClause} AND ${spaceClause} AND type != attachment`;
}

/** E2: descendants at any depth of up to 100 "all"-labelled roots. */
export function descendantsCql(rootIds: readonly string[]): string {
  checkIds(rootIds, DESCENDANT_BATCH_SIZE);
  return `ancestor IN (${rootIds.join(',')}) AND type != attachment`;
}

/** §3.1 batched body fetch. */
export function idsCql(ids: readonly string[]): string {
  checkIds(ids, Number.POSITIVE_INFINITY);
  return `id IN (${ids.join(',')})`;
}

/** E3 on Cloud (one page). */
export function singleIdCql(id: string): string {
  checkIds([id], 1);
  return `id=${id}`;
}

/** §3.1 Cloud fallback for E8: the deprecated v1 content endpoint may answer 410. */
export function titleCql(spaceKey: string, title: string): string {
  return `type=page AND space="${escapeCqlString(spaceKey)}" AND title="${escapeCqlString(title)}"`;
}

/** Backslash-escapes `\` and `"` for a CQL double-quoted string. */
export function escapeCqlString(value: string): string {
  return value.replace(/[\\"]/g, (c) => `\\${c}`);
}

/** Splits ids into batches of at most `size`, keeping order. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Ids go into CQL unquoted, so anything but digits would be an injection or a 400. */
function checkIds(ids: readonly string[], max: number): void {
  if (ids.length === 0) throw new Error('a CQL id list needs at least one id');
  if (ids.length > max) throw new Error(`a CQL id list takes at most ${max} ids, got ${ids.length}`);
  for (const id of ids) {
    if (!/^\d+$/.test(id)) throw new Error(`not a Confluence content id: ${JSON.stringify(id)}`);
  }
}
