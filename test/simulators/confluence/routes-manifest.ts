/**
 * DC instance identifier (E9, contract §9): no authentication; JSON only when the
 * client asks for it, XML otherwise, as Confluence 10.x does.
 */
import type { SimContext } from './context.js';
import { json, type SimRequest, type SimResponse } from './http-io.js';

const escapeXml = (text: string): string =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function manifest(ctx: SimContext, req: SimRequest): SimResponse {
  const fields = {
    id: ctx.manifestId, name: 'Confluence', typeId: 'confluence', version: '9.2.1', buildNumber: 9201,
    applinksVersion: '10.0.4', url: ctx.baseUrl, publicSignup: false,
    inboundAuthenticationTypes: [] as string[], outboundAuthenticationTypes: [] as string[],
  };
  if ((req.headers.accept ?? '').toLowerCase().includes('application/json')) return json(200, fields);
  const xml = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><manifest>'
    + `<id>${escapeXml(fields.id)}</id><name>${fields.name}</name><typeId>${fields.typeId}</typeId>`
    + `<version>${fields.version}</version><buildNumber>${fields.buildNumber}</buildNumber>`
    + `<applinksVersion>${fields.applinksVersion}</applinksVersion><url>${escapeXml(fields.url)}</url>`
    + '<publicSignup>false</publicSignup></manifest>';
  return { status: 200, headers: { 'content-type': 'application/xml;charset=UTF-8' }, body: xml };
}
