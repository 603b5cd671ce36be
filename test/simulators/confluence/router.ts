/**
 * Path dispatch per flavour (contract §1, §3). Cloud serves its token endpoint and
 * the gateway prefix `/ex/confluence/{cloudId}/wiki/…`; DC serves everything under
 * its context path. Authentication is checked here, once, for every API route.
 */
import type { AuthRegistry } from './auth.js';
import type { SimContext } from './context.js';
import { v1Error, type SimRequest, type SimResponse } from './http-io.js';
import { listChildAttachments, listV2Attachments } from './routes-attachments.js';
import { getContent, listContent, searchContent } from './routes-content.js';
import { cloudDownloadRedirect, dataCenterDownload, mediaDownload } from './routes-downloads.js';
import { manifest } from './routes-manifest.js';
import { getReadRestriction } from './restrictions.js';
import { bulkUsers, singleUser } from './routes-users.js';

const GATEWAY = /^\/ex\/confluence\/([^/]+)(\/.*)?$/;
const CONTENT_BY_ID = /^\/rest\/api\/content\/(\d+)$/;
const READ_RESTRICTION = /^\/rest\/api\/content\/(\d+)\/restriction\/byOperation\/read$/;
const CHILD_ATTACHMENTS = /^\/rest\/api\/content\/(\d+)\/child\/attachment$/;
const CLOUD_DOWNLOAD = /^\/rest\/api\/content\/(\d+)\/child\/attachment\/([^/]+)\/download$/;
const V2_ATTACHMENTS = /^\/wiki\/api\/v2\/(pages|blogposts)\/(\d+)\/attachments$/;
const DC_DOWNLOAD = /^\/download\/attachments\/(\d+)\/([^/]+)$/;
const MEDIA_FILE = /^\/file\/([^/]+)\/binary$/;

const notFound = (): SimResponse => v1Error(404, 'Not Found');
const methodNotAllowed = (): SimResponse => v1Error(405, 'Method Not Allowed', { allow: 'GET' });
const unauthorized = (): SimResponse => v1Error(401, 'This request requires authentication', { 'www-authenticate': 'Bearer realm="confluence-simulator"' });

/** v1 routes, `path` relative to the REST root (`/wiki` stripped on Cloud, context path on DC). */
function v1Routes(ctx: SimContext, req: SimRequest, path: string): SimResponse {
  if (path === '/rest/api/content/search') return searchContent(ctx, req);
  if (path === '/rest/api/content') return listContent(ctx, req);
  if (path === '/rest/api/user/bulk' && ctx.flavour === 'cloud') return bulkUsers(ctx, req);
  if (path === '/rest/api/user' && ctx.flavour === 'data-center') return singleUser(ctx, req);
  let match = CONTENT_BY_ID.exec(path);
  if (match) return getContent(ctx, req, match[1] as string);
  match = READ_RESTRICTION.exec(path);
  if (match) return getReadRestriction(ctx, match[1] as string);
  match = CHILD_ATTACHMENTS.exec(path);
  if (match) return listChildAttachments(ctx, req, match[1] as string);
  match = CLOUD_DOWNLOAD.exec(path);
  if (match && ctx.flavour === 'cloud') return cloudDownloadRedirect(ctx, match[1] as string, match[2] as string);
  return notFound();
}

function routeCloud(ctx: SimContext, auth: AuthRegistry, req: SimRequest): SimResponse {
  if (req.path === '/oauth/token') return req.method === 'POST' ? auth.issueToken(req) : methodNotAllowed();
  // The legacy download path is removed for API callers, on the site and through the gateway (§6.4).
  if (req.path.startsWith('/wiki/download/attachments/')) return unauthorized();
  const gateway = GATEWAY.exec(req.path);
  if (!gateway) return notFound();
  if (gateway[1] !== ctx.cloudId) return notFound();
  const rest = gateway[2] ?? '/';
  if (req.method !== 'GET') return methodNotAllowed();
  if (rest.startsWith('/wiki/download/attachments/')) return unauthorized();
  if (!auth.authenticate(req)) return unauthorized();
  const v2 = V2_ATTACHMENTS.exec(rest);
  if (v2) return listV2Attachments(ctx, req, v2[1] as 'pages' | 'blogposts', v2[2] as string);
  if (rest.startsWith('/wiki/rest/api/')) return v1Routes(ctx, req, rest.slice('/wiki'.length));
  return notFound();
}

function routeDataCenter(ctx: SimContext, auth: AuthRegistry, req: SimRequest): SimResponse {
  const contextPath = ctx.linksContext;
  if (contextPath !== '' && !req.path.startsWith(`${contextPath}/`)) return notFound();
  const path = req.path.slice(contextPath.length);
  if (path === '/rest/oauth2/latest/token') return req.method === 'POST' ? auth.issueToken(req) : methodNotAllowed();
  if (req.method !== 'GET') return methodNotAllowed();
  if (path === '/rest/applinks/1.0/manifest') return manifest(ctx, req);
  if (!auth.authenticate(req)) return unauthorized();
  const download = DC_DOWNLOAD.exec(path);
  if (download) return dataCenterDownload(ctx, download[1] as string, download[2] as string);
  if (path.startsWith('/rest/api/')) return v1Routes(ctx, req, path);
  return notFound();
}

export function routeMain(ctx: SimContext, auth: AuthRegistry, req: SimRequest): SimResponse {
  return ctx.flavour === 'cloud' ? routeCloud(ctx, auth, req) : routeDataCenter(ctx, auth, req);
}

export function routeMedia(ctx: SimContext, req: SimRequest): SimResponse {
  if (req.method !== 'GET') return methodNotAllowed();
  const match = MEDIA_FILE.exec(req.path);
  return match ? mediaDownload(ctx, req, match[1] as string) : notFound();
}
