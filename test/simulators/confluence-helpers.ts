/**
 * Small HTTP helpers for the simulator's own tests (not a test file itself).
 */
import type { ConfluenceSimulator } from './confluence/index.js';
import { BASIC_USER, CLIENT, PAT } from './confluence/sample-scenario.js';

export interface JsonReply { status: number; headers: Headers; body: any }

/** The REST root a client uses for v1 paths: Cloud `{api}/ex/confluence/{cloudId}/wiki`, DC `{baseUrl}`. */
export function restRoot(sim: ConfluenceSimulator): string {
  return sim.flavour === 'cloud' ? `${sim.apiBaseUrl}/ex/confluence/${sim.cloudId}/wiki` : sim.baseUrl;
}

export async function fetchToken(sim: ConfluenceSimulator, client = CLIENT): Promise<Response> {
  if (sim.flavour === 'cloud') {
    return fetch(`${sim.apiBaseUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
    });
  }
  return fetch(`${sim.baseUrl}/rest/oauth2/latest/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret, scope: 'READ' }).toString(),
  });
}

export async function bearer(sim: ConfluenceSimulator): Promise<string> {
  const reply = await fetchToken(sim);
  const body = (await reply.json()) as { access_token: string };
  return `Bearer ${body.access_token}`;
}

export const patAuth = `Bearer ${PAT}`;
export const basicAuth = `Basic ${Buffer.from(`${BASIC_USER.username}:${BASIC_USER.password}`, 'utf8').toString('base64')}`;

export async function getJson(url: string, authorization?: string, headers: Record<string, string> = {}): Promise<JsonReply> {
  const reply = await fetch(url, { headers: { ...headers, ...(authorization ? { authorization } : {}) } });
  const text = await reply.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Non-JSON answers (XML manifest, bytes) stay text.
  }
  return { status: reply.status, headers: reply.headers, body };
}

/** Follows `_links.next` of a v1 search until absent, as the contract's client does (§8). */
export async function searchAll(sim: ConfluenceSimulator, cql: string, expand: string, authorization: string, limit = 100): Promise<{ ids: string[]; pages: JsonReply[] }> {
  const root = restRoot(sim);
  let url: string | undefined = `${root}/rest/api/content/search?cql=${encodeURIComponent(cql)}&expand=${expand}&limit=${limit}&start=0`;
  const pages: JsonReply[] = [];
  const ids: string[] = [];
  while (url !== undefined) {
    const reply = await getJson(url, authorization);
    if (reply.status !== 200) throw new Error(`search failed with ${reply.status}: ${JSON.stringify(reply.body)}`);
    pages.push(reply);
    for (const item of reply.body.results as { id: string }[]) ids.push(item.id);
    const next = reply.body._links.next as string | undefined;
    url = next === undefined ? undefined : `${root}${next}`;
  }
  return { ids, pages };
}
