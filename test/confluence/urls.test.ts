import t from 'tap';
import { confluenceUrls } from '../../src/confluence/urls.js';

const CLOUD_ID = '3f1b6a2e-5c1d-4e8f-9a0b-7c2d1e4f5a6b';
const cloud = confluenceUrls({ instanceType: 'cloud', baseUrl: 'https://acme.atlassian.net', cloudId: CLOUD_ID }, 'https://api.atlassian.com');
const R = `https://api.atlassian.com/ex/confluence/${CLOUD_ID}`;
const dc = confluenceUrls({ instanceType: 'data-center', baseUrl: 'https://host/confluence' }, 'https://api.atlassian.com');

t.test('Cloud API URLs go through the gateway with the /wiki context', async (t) => {
  t.equal(cloud.restRoot, R);
  t.equal(cloud.v1, `${R}/wiki/rest/api`);
  t.equal(cloud.v2, `${R}/wiki/api/v2`);
});

t.test('DC API URLs keep the context path and have no v2', async (t) => {
  t.equal(dc.restRoot, 'https://host/confluence');
  t.equal(dc.v1, 'https://host/confluence/rest/api');
  t.equal(dc.v2, undefined);
  t.throws(() => dc.v2Attachments('1', 'page', 250));
});

t.test('an overridden Atlassian origin (simulator) is used for the gateway', async (t) => {
  const urls = confluenceUrls({ instanceType: 'cloud', baseUrl: 'https://acme.atlassian.net', cloudId: 'c1' }, 'http://127.0.0.1:4000/');
  t.equal(urls.v1, 'http://127.0.0.1:4000/ex/confluence/c1/wiki/rest/api');
});

t.test('credentials may go to the configured site and, on Cloud, the gateway and media origins only', async (t) => {
  t.same(cloud.credentialOrigins, ['https://acme.atlassian.net', 'https://api.atlassian.com', 'https://api.media.atlassian.com']);
  t.same(dc.credentialOrigins, ['https://host'], 'the context path is not part of an origin');
  const simulated = confluenceUrls({ instanceType: 'cloud', baseUrl: 'https://acme.atlassian.net', cloudId: 'c1' }, 'http://127.0.0.1:4000');
  t.ok(simulated.credentialOrigins.includes('http://127.0.0.1:4000'), 'an overridden gateway is the one allowed');
});

t.test('a Cloud config without cloudId is refused', async (t) => {
  t.throws(() => confluenceUrls({ instanceType: 'cloud', baseUrl: 'https://acme.atlassian.net' }, 'https://api.atlassian.com'));
});

t.test('next links resolve per §8', async (t) => {
  const v1Next = '/rest/api/content/search?next=true&cursor=b2Zmc2V0PTEwMA&limit=100&start=100&cql=x';
  t.equal(cloud.resolveNext(v1Next), `${R}/wiki${v1Next}`, 'Cloud v1 next is relative to /wiki');
  t.equal(cloud.resolveNext(`/wiki${v1Next}`), `${R}/wiki${v1Next}`, 'a Cloud link already under /wiki gets the root only');
  const v2Next = '/wiki/api/v2/pages/65601/attachments?cursor=eyJpZCI6&limit=250';
  t.equal(cloud.resolveNext(v2Next), `${R}${v2Next}`, 'Cloud v2 next already carries /wiki');
  t.equal(dc.resolveNext('/rest/api/content/search?cql=x&limit=100&start=100'), 'https://host/confluence/rest/api/content/search?cql=x&limit=100&start=100');
  t.equal(cloud.resolveNext('https://elsewhere.example/next?x=1'), 'https://elsewhere.example/next?x=1', 'absolute links are used as they are');
  t.equal(dc.resolveNext('http://other:8090/rest/api/x'), 'http://other:8090/rest/api/x');
});

t.test('content search encodes the CQL and keeps the expand commas literal', async (t) => {
  const cql = '((label="ai-ingest") OR (label="ai-ingest-all")) AND space.type=global AND type != attachment';
  const url = dc.contentSearch(cql, 'metadata.labels,version,space', 100, 0);
  t.equal(
    url,
    'https://host/confluence/rest/api/content/search?cql=((label%3D%22ai-ingest%22)%20OR%20(label%3D%22ai-ingest-all%22))%20AND%20space.type%3Dglobal%20AND%20type%20!%3D%20attachment&expand=metadata.labels,version,space&limit=100&start=0',
  );
  t.equal(cloud.contentSearch('id=65601', 'body.storage,version,space,metadata.labels'), `${R}/wiki/rest/api/content/search?cql=id%3D65601&expand=body.storage,version,space,metadata.labels`);
});

t.test('E8 by title encodes space key and title', async (t) => {
  t.equal(
    dc.contentByTitle('MKT', 'Brand & "assets"', 'metadata.labels,version,space'),
    'https://host/confluence/rest/api/content?spaceKey=MKT&title=Brand%20%26%20%22assets%22&type=page&expand=metadata.labels,version,space',
  );
});

t.test('v2 attachment listings pick the page or blog post collection', async (t) => {
  t.equal(cloud.v2Attachments('65601', 'page', 250), `${R}/wiki/api/v2/pages/65601/attachments?limit=250`);
  t.equal(cloud.v2Attachments('65602', 'blogpost', 250), `${R}/wiki/api/v2/blogposts/65602/attachments?limit=250`);
});

t.test('downloads: Cloud through the gateway child path with the att id, DC from the download path', async (t) => {
  t.equal(cloud.attachmentDownload('65601', 'att70001', '/download/attachments/65601/a.png?version=2'), `${R}/wiki/rest/api/content/65601/child/attachment/att70001/download`);
  t.equal(
    dc.attachmentDownload('65601', 'att70001', '/download/attachments/65601/diagram.png?version=2&modificationDate=1741079564123&api=v2'),
    'https://host/confluence/download/attachments/65601/diagram.png?version=2&modificationDate=1741079564123&api=v2',
  );
  t.throws(() => dc.attachmentDownload('1', 'att1', undefined));
});

t.test('the manifest exists on DC only', async (t) => {
  t.equal(dc.manifest(), 'https://host/confluence/rest/applinks/1.0/manifest');
  t.throws(() => cloud.manifest());
});

t.test('page web URLs per §1', async (t) => {
  t.equal(cloud.pageWebUrl('65601', '/spaces/ENG/pages/65601/Release+plan'), 'https://acme.atlassian.net/wiki/spaces/ENG/pages/65601/Release+plan');
  t.equal(cloud.pageWebUrl('65601', undefined), 'https://acme.atlassian.net/wiki/pages/viewpage.action?pageId=65601');
  t.equal(dc.pageWebUrl('65601', '/display/ENG/Release+plan'), 'https://host/confluence/pages/viewpage.action?pageId=65601');
});

t.test('attachment web URLs: Cloud strips the att prefix, DC keeps it; the preview is encoded', async (t) => {
  t.equal(
    cloud.attachmentWebUrl('65601', 'att70001', 'diagram v2.png'),
    'https://acme.atlassian.net/wiki/pages/viewpageattachments.action?pageId=65601&preview=%2F65601%2F70001%2Fdiagram%20v2.png',
  );
  t.equal(
    dc.attachmentWebUrl('65601', 'att70001', 'Q3 & Q4.xlsx'),
    'https://host/confluence/pages/viewpageattachments.action?pageId=65601&preview=%2F65601%2Fatt70001%2FQ3%20%26%20Q4.xlsx',
  );
});
