/**
 * A small scenario covering the cases of contract §4 and §16: both sync labels,
 * every space type, non-current content, a denied space, nested descendants under a
 * folder and a database, an unknown content type, a page with more than 25
 * attachments and a title that needs CQL escaping. Used by the simulator's own tests
 * and handy for demos.
 */
import type { ConfluenceScenario, Flavour, ScenarioAttachment } from './types.js';

export const SINGLE_LABEL = 'ai-ingest';
export const ALL_LABEL = 'ai-ingest-all';
export const TRICKY_TITLE = 'Say "hi" \\ bye';
export const CLIENT = { clientId: 'sim-client', clientSecret: 'sim-secret' };
export const PAT = 'sim-personal-access-token';
export const BASIC_USER = { username: 'svc-sync', password: 'pä55:word' };

function manyAttachments(pageId: string, count: number): ScenarioAttachment[] {
  return Array.from({ length: count }, (_, i) => ({
    id: `att${pageId}${String(i).padStart(3, '0')}`,
    title: `file ${i}.png`,
    mediaType: 'image/png',
    size: 1000 + i,
  }));
}

export function sampleScenario(flavour: Flavour, extra: Partial<ConfluenceScenario> = {}): ConfluenceScenario {
  return {
    flavour,
    oauthClients: [CLIENT],
    pats: [PAT],
    basicUsers: [BASIC_USER],
    spaces: [
      { id: 98305, key: 'ENG', name: 'Engineering' },
      { id: 98306, key: 'OPS', name: 'Operations', type: 'global' },
      { id: 98307, key: '~jdoe', name: 'Jane Doe', type: 'personal' },
      { id: 98308, key: 'TEAM', name: 'Team space', type: 'collaboration' },
      { id: 98309, key: 'HR', name: 'Human resources', denied: true },
    ],
    content: [
      {
        id: '1000', type: 'page', title: 'Release plan', spaceKey: 'ENG', labels: [SINGLE_LABEL, 'planning'], body: '<p>Hello</p>',
        version: { number: 7, when: '2025-03-04T09:12:44.123Z' },
        attachments: [
          { id: 'att70001', title: 'diagram.png', mediaType: 'image/png', size: 48213, versionNumber: 2, versionWhen: '2025-03-04T09:12:44.123Z' },
          { id: 'att70002', title: 'notes v1.txt', mediaType: 'text/plain', size: 5, bytes: 'hello' },
        ],
      },
      { id: '1001', type: 'page', title: 'Handbook', spaceKey: 'ENG', labels: [ALL_LABEL] },
      { id: '1002', type: 'page', title: 'Chapter 1', spaceKey: 'ENG', parentId: '1001' },
      { id: '1003', type: 'page', title: 'Section 1.1', spaceKey: 'ENG', parentId: '1002' },
      { id: '1004', type: 'folder', title: 'Archive folder', spaceKey: 'ENG', parentId: '1001' },
      { id: '1005', type: 'page', title: 'Filed page', spaceKey: 'ENG', parentId: '1004' },
      { id: '1006', type: 'blogpost', title: 'Release news', spaceKey: 'ENG', labels: [SINGLE_LABEL] },
      { id: '1007', type: 'page', status: 'draft', title: 'Draft', spaceKey: 'ENG', labels: [SINGLE_LABEL] },
      { id: '1008', type: 'page', status: 'trashed', title: 'Trashed', spaceKey: 'ENG', labels: [SINGLE_LABEL] },
      { id: '1009', type: 'page', status: 'archived', title: 'Archived', spaceKey: 'ENG', labels: [SINGLE_LABEL] },
      { id: '1010', type: 'page', title: 'My notes', spaceKey: '~jdoe', labels: [SINGLE_LABEL] },
      { id: '1011', type: 'page', title: 'Team page', spaceKey: 'TEAM', labels: [SINGLE_LABEL] },
      { id: '1012', type: 'page', title: 'Salaries', spaceKey: 'HR', labels: [SINGLE_LABEL] },
      { id: '1013', type: 'database', title: 'Runbooks DB', spaceKey: 'OPS', labels: [ALL_LABEL] },
      { id: '1014', type: 'page', title: 'Runbook entry', spaceKey: 'OPS', parentId: '1013' },
      { id: '1015', type: 'page', title: 'Unlabelled', spaceKey: 'OPS', labels: ['other'] },
      { id: '1016', type: 'page', title: 'Gallery', spaceKey: 'OPS', labels: [SINGLE_LABEL], attachments: manyAttachments('1016', 30) },
      { id: '1017', type: 'smart-thing', title: 'Unknown kind', spaceKey: 'OPS', labels: [SINGLE_LABEL] },
      { id: '1018', type: 'page', title: TRICKY_TITLE, spaceKey: 'OPS' },
      { id: '1019', type: 'blogpost', title: 'Photo blog', spaceKey: 'OPS', attachments: manyAttachments('1019', 27) },
    ],
    ...extra,
  };
}

/** Contract §4 discovery CQL for a flavour. */
export function discoveryCql(flavour: Flavour, single = SINGLE_LABEL, all = ALL_LABEL): string {
  const spaceTypes = flavour === 'cloud' ? '(space.type=global OR space.type=collaboration)' : 'space.type=global';
  return `((label="${single}") OR (label="${all}")) AND ${spaceTypes} AND type != attachment`;
}
