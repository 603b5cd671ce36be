import type { Explanation } from './explain.js';

/** The plain-text form of an explanation: what an operator reads in a terminal. */
export function formatExplanation(e: Explanation): string {
  const lines: string[] = [];
  const title = e.page ? ` "${e.page.title}" (${e.page.type}, space ${e.page.spaceKey}, version ${e.page.version})` : '';
  lines.push(`page ${e.pageId}${title}, tenant ${e.tenant}`);
  if (e.page) lines.push(`  ${e.page.webUrl}`);
  lines.push(`verdict: ${e.synced ? 'SYNCED' : 'NOT SYNCED'}: ${e.reason}`, '', 'rules, in pipeline order:');
  for (const check of e.checks) lines.push(`  [${check.passed ? 'pass' : 'FAIL'}] ${check.rule}: ${check.detail}`);
  if (e.attachments.length > 0) {
    lines.push('', 'attachments:');
    for (const att of e.attachments) {
      const verdict = att.synced ? 'synced' : att.accepted ? 'accepted, but the page is not synced' : `rejected: ${att.reason ?? ''}`;
      lines.push(`  ${att.id} "${att.title}" (${att.mediaType}, ${att.fileSize} bytes): ${verdict}`);
    }
  }
  if (e.pageKey) {
    lines.push('', 'content keys:');
    const stored = new Map((e.unique ?? []).map((state) => [state.key, state]));
    for (const key of [e.pageKey, ...e.attachments.map((att) => att.key)]) {
      const state = stored.get(key);
      const where = e.unique === undefined ? '' : state?.stored ? `  in Unique (${state.ingestionState ?? 'state unknown'}, last written ${state.updatedAt ?? 'unknown'}${state.interrupted ? ', interrupted: never finalized, the next cycle re-ingests it' : ''})` : '  not in Unique';
      lines.push(`  ${key}${where}`);
    }
    if (e.unique === undefined) lines.push('  (offline: Unique not asked)');
  }
  for (const note of e.notes) lines.push(`note: ${note}`);
  return `${lines.join('\n')}\n`;
}
