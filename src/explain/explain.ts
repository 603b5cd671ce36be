/**
 * "Why is this page (not) in Unique?" One page is fetched the way discovery fetches
 * it and put through the pipeline's own rule functions, in the pipeline's order:
 * discovery (type, status, space type, labels and labelled ancestors), the content-
 * type filter, read restrictions, the empty-body skip, and the attachment extraction. Nothing here
 * restates a rule, so `explain` cannot drift from what `sync` does.
 */
import { attachmentPolicy } from '../attachment-policy.js';
import { contentExpand, idsCql, scannedSpaceTypes, singleIdCql } from '../confluence/cql.js';
import { labelNames, mapContent } from '../confluence/map-content.js';
import type { ValidContent } from '../confluence/raw.js';
import type { AttachmentRecord, PageRecord } from '../records.js';
import { discoverySkip } from '../sources/confluence/index.js';
import type { TenantRuntime } from '../tenant-runtime.js';
import { extractAttachments } from '../transforms/extract-attachments.js';
import { isTooLargeError } from '../http/response.js';
import { bodyLimits } from '../body-limits.js';
import { isEmptyBody } from '../transforms/fetch-body.js';
import { contentTypeSkipReason } from '../transforms/filter-content-types.js';
import { resolveRestrictions } from '../read-restrictions/states.js';
import { describeVerdict, type RestrictionVerdict } from '../read-restrictions/verdict.js';
import { attachmentKey, pageKey, partialKey } from '../unique/keys.js';
import { pendingAttemptOf } from '../unique/pending-marker.js';

export interface Check {
  rule: string;
  passed: boolean;
  detail: string;
}

export interface AttachmentVerdict {
  id: string;
  title: string;
  mediaType: string;
  fileSize: number;
  /** Taken by the attachment rules (the page's own verdict aside). */
  accepted: boolean;
  /** Why not, when not accepted. */
  reason?: string;
  /** Ingested by sync: the page is selected and the attachment accepted. */
  synced: boolean;
  key: string;
}

export interface StoredState {
  key: string;
  stored: boolean;
  ingestionState?: string | null;
  /** When Unique last wrote the content. */
  updatedAt?: string | null;
  /** Registered and never finalized (a pending mark): the next cycle re-ingests it. */
  interrupted?: boolean;
}

export interface Explanation {
  tenant: string;
  pageId: string;
  page?: { type: string; title: string; status?: string; spaceKey: string; spaceType?: string; version: number; updatedAt: string; webUrl: string };
  checks: Check[];
  /** Whether sync ingests the page itself (every check passed). */
  synced: boolean;
  /** The first failed check, or a sentence saying the page is synced. */
  reason: string;
  /** Labelled ancestors that select the page ("all" label), root first. */
  selectingAncestors: { id: string; title: string }[];
  attachments: AttachmentVerdict[];
  /**
   * The restrictions stage's verdict (Confluence contract §17) and the page that decides
   * it: the page itself or an ancestor. Absent when not checked (`restrictedPages:
   * ingest`, or a content type sync never ingests).
   */
  restriction?: { verdict: 'open' | 'restricted' | 'unknown'; detail: string; restrictingPage?: { id: string; title: string; type: string; own: boolean } };
  pageKey?: string;
  /** Absent with --offline. */
  unique?: StoredState[];
  notes: string[];
}

export async function explainPage(runtime: TenantRuntime, pageId: string, options: { offline?: boolean } = {}): Promise<Explanation> {
  const { tenant, confluence: api } = runtime;
  const explanation: Explanation = { tenant: tenant.name, pageId, checks: [], synced: false, reason: '', selectingAncestors: [], attachments: [], notes: [] };
  const check = (rule: string, passed: boolean, detail: string): boolean => {
    explanation.checks.push({ rule, passed, detail });
    return passed;
  };
  check('tenant status', tenant.status === 'active', `tenant ${tenant.name} is ${tenant.status}${tenant.status === 'active' ? '' : ': it is not synced'}`);

  const item = await fetchOne(runtime, pageId);
  if (!check('found', item !== undefined, item ? `found in space ${item.space.key}` : 'the content search for this id found nothing: it does not exist, was deleted, or the connector account cannot see it')) {
    return finish(explanation, runtime, options);
  }
  const found = item!;
  const skip = discoverySkip(found);
  check('content type known', skip !== 'type', skip === 'type' ? `type ${found.type} is not one discovery knows` : `type ${found.type}`);
  check('status current', skip !== 'status', `status ${found.status ?? 'current'}`);
  const scanned = scannedSpaceTypes(tenant.confluence.instanceType);
  const spaceType = found.space.type;
  check(
    'space type scanned',
    spaceType === undefined || scanned.includes(spaceType),
    `space ${found.space.key} is ${spaceType ?? 'of a type Confluence did not report'}; ${tenant.confluence.instanceType} scans ${scanned.join(' and ')} spaces`,
  );

  const roots = await labelledAncestors(runtime, found);
  const attachments = api.attachmentsEnabled ? await api.listMoreAttachments(found) : undefined;
  const page = mapContent(found, { urls: api.urls, labels: api.labels, allRoots: new Set(roots.map((root) => root.id)), attachments });
  explanation.page = {
    type: page.type,
    title: page.title,
    status: found.status,
    spaceKey: page.space.key,
    spaceType,
    version: page.version.number,
    updatedAt: page.updatedAt,
    webUrl: page.webUrl,
  };
  explanation.selectingAncestors = roots;
  check('selected by label', page.selection.singleLabel || page.selection.allLabel || page.selection.viaAncestors.length > 0, selectionDetail(page, roots, api.labels));
  const typeSkip = contentTypeSkipReason(page.type);
  const discovered = explanation.checks.every((c) => c.passed);
  check('content type ingested', typeSkip === undefined, typeSkip ?? `type ${page.type} is ingested`);
  // Attachments hang off a page that passed discovery and the type filter; the page's own body does not matter to them.
  const withheld = typeSkip === undefined ? await checkRestrictions(runtime, page, explanation, check) : false;
  const attachmentsFollowPage = discovered && typeSkip === undefined && !withheld;
  if (typeSkip === undefined) await checkBody(runtime, page, check);

  const partial = partialKey(tenant.name, page.space, tenant.ingestion.useV1KeyFormat);
  explanation.pageKey = pageKey(partial, page.id);
  const extract = extractAttachments({ policy: attachmentPolicy(tenant), urls: api.urls, logger: runtime.logger });
  explanation.attachments = extract(page)
    .filter((record): record is AttachmentRecord => record.kind === 'attachment')
    .map((record) => attachmentVerdict(record, partial, attachmentsFollowPage));
  if (!api.attachmentsEnabled) explanation.notes.push('attachment ingestion is disabled for this tenant: attachments are not listed');
  if (tenant.processing.maxItemsToScan !== undefined) {
    explanation.notes.push(`processing.maxItemsToScan is ${tenant.processing.maxItemsToScan}: a sync may stop before reaching this page; explain does not scan the whole listing`);
  }
  return finish(explanation, runtime, options);
}

/** E1/E2's expand list on a single-id search: works on Cloud and Data Center alike. */
async function fetchOne(runtime: TenantRuntime, id: string): Promise<ValidContent | undefined> {
  const { confluence: api, tenant } = runtime;
  const expand = contentExpand(tenant.ingestion.attachments.enabled, { readRestrictions: tenant.ingestion.restrictedPages === 'skip' });
  for await (const items of api.searchContent(singleIdCql(id), expand, { limit: 1 })) {
    const match = items.find((item) => item.id === id);
    if (match) return match;
  }
  return undefined;
}

/** Ancestors carrying the "all" label, root first: the roots whose descendants discovery adds. */
async function labelledAncestors(runtime: TenantRuntime, item: ValidContent): Promise<{ id: string; title: string }[]> {
  const ancestors = (item.ancestors ?? []).map((ancestor) => ({ id: String(ancestor.id), title: typeof ancestor.title === 'string' ? ancestor.title : '' }));
  const ids = ancestors.map((ancestor) => ancestor.id).filter((id) => /^\d+$/.test(id));
  if (ids.length === 0) return [];
  const labelled = new Set<string>();
  const all = runtime.confluence.labels.all.toLowerCase();
  for await (const items of runtime.confluence.searchContent(idsCql(ids), 'metadata.labels,version,space', { limit: 100 })) {
    for (const found of items) if (labelNames(found).some((label) => label.toLowerCase() === all)) labelled.add(found.id);
  }
  return ancestors.filter((ancestor) => labelled.has(ancestor.id));
}

function selectionDetail(page: PageRecord, roots: { id: string; title: string }[], labels: { single: string; all: string }): string {
  const reasons: string[] = [];
  if (page.selection.singleLabel) reasons.push(`it carries the "${labels.single}" label`);
  if (page.selection.allLabel) reasons.push(`it carries the "${labels.all}" label`);
  for (const root of roots) reasons.push(`its ancestor ${root.id} (${root.title}) carries the "${labels.all}" label`);
  if (reasons.length > 0) return reasons.join('; ');
  return `neither it nor any ancestor carries "${labels.single}" or "${labels.all}" (its labels: ${page.rawLabels.join(', ') || 'none'})`;
}

/** The restrictions stage's own resolution on a set of one page: its ancestors are all outside that set. */
async function checkRestrictions(runtime: TenantRuntime, page: PageRecord, explanation: Explanation, check: (rule: string, passed: boolean, detail: string) => boolean): Promise<boolean> {
  const { tenant, confluence: api, logger } = runtime;
  if (tenant.ingestion.restrictedPages === 'ingest') {
    check('read restrictions', true, 'ingestion.restrictedPages is ingest: read restrictions are not checked');
    return false;
  }
  const resolution = await resolveRestrictions([page], { api, logger, concurrency: tenant.processing.concurrency });
  const verdict = resolution.verdicts.get(page.id)!;
  const detail = restrictionDetail(verdict);
  explanation.restriction = { verdict: verdict.kind, detail };
  if (verdict.kind === 'restricted') explanation.restriction.restrictingPage = { ...verdict.by };
  if (verdict.kind === 'unknown') explanation.restriction.restrictingPage = { ...verdict.of };
  check('read restrictions', verdict.kind === 'open', detail);
  return verdict.kind !== 'open';
}

function restrictionDetail(verdict: RestrictionVerdict): string {
  if (verdict.kind === 'open') return 'neither the page nor any ancestor is read-restricted';
  if (verdict.kind === 'unknown') {
    const whose = verdict.of.own ? 'the page' : `ancestor ${verdict.of.id} "${verdict.of.title}"`;
    return `the read restriction of ${whose} could not be read; sync withholds the page (fail closed, ingestion.restrictedPages: skip)`;
  }
  const who = `${verdict.restriction.users} user(s), ${verdict.restriction.groups} group(s)`;
  return `read-restricted: ${describeVerdict(verdict)} (${who}); sync withholds the page (ingestion.restrictedPages: skip)`;
}

async function checkBody(runtime: TenantRuntime, page: PageRecord, check: (rule: string, passed: boolean, detail: string) => boolean): Promise<void> {
  const maxMb = runtime.tenant.processing.maxPageBodyMb;
  const limits = bodyLimits(maxMb);
  let body;
  try {
    body = (await runtime.confluence.fetchBodies([page.id], undefined, limits.answerBytes)).get(page.id);
  } catch (error) {
    if (!isTooLargeError(error)) throw error;
    check('body within processing.maxPageBodyMb', false, `the body search answered more than ${limits.answerBytes} bytes, far over ${maxMb} MB: sync skips the page with a warning`);
    return;
  }
  if (body === undefined) {
    check('body not empty', false, 'the body fetch did not return the page');
    return;
  }
  const bytes = Buffer.byteLength(body.storage, 'utf8');
  const tooLarge = bytes > limits.pageBytes;
  const within = check('body within processing.maxPageBodyMb', !tooLarge, tooLarge ? `${bytes} bytes of storage format, over ${maxMb} MB: sync skips the page with a warning` : `${bytes} bytes, at most ${maxMb} MB`);
  if (!within) return;
  const empty = isEmptyBody(body.storage);
  check('body not empty', !empty, empty ? 'the storage body is empty: nothing to ingest' : `${bytes} bytes of storage format`);
}

function attachmentVerdict(record: AttachmentRecord, partial: string, pageTaken: boolean): AttachmentVerdict {
  const accepted = record.rejected === undefined;
  return {
    id: record.id,
    title: record.title,
    mediaType: record.mediaType,
    fileSize: record.fileSize,
    accepted,
    ...(accepted ? {} : { reason: record.rejected }),
    synced: accepted && pageTaken,
    key: attachmentKey(partial, record.pageId, record.id),
  };
}

async function finish(explanation: Explanation, runtime: TenantRuntime, options: { offline?: boolean }): Promise<Explanation> {
  const failed = explanation.checks.find((c) => !c.passed);
  explanation.synced = failed === undefined;
  explanation.reason = failed ? `${failed.rule}: ${failed.detail}` : 'every rule passes: sync ingests this page';
  const keys = [...(explanation.pageKey ? [explanation.pageKey] : []), ...explanation.attachments.map((att) => att.key)];
  if (options.offline || keys.length === 0) return explanation;
  const stored = new Map((await runtime.unique.content.storedByKeys(keys)).map((node) => [node.key, node]));
  explanation.unique = keys.map((key) => {
    const node = stored.get(key);
    if (!node) return { key, stored: false };
    return { key, stored: true, ingestionState: node.ingestionState, updatedAt: node.updatedAt, ...(pendingAttemptOf(node.metadata) ? { interrupted: true } : {}) };
  });
  return explanation;
}
