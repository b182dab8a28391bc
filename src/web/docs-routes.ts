// /specs/<file> (the raw documents, for tools), /docs (an index) and one rendered page per document:
// /docs/<api> the AsyncAPI document, /docs/<api>/rest the OpenAPI one.
import type Router from '@koa/router';
import type { RouterContext } from '@koa/router';
import { HttpError } from '../http/errors';
import type { WebAssets } from './assets';
import { sendAsset } from './asset-route';
import { escapeHtml, renderPage } from './html';
import type { SpecFiles } from './spec-files';

/** Answers with the raw spec document named by the route's :file, compressed as accepted. */
export async function sendSpecFile(k: RouterContext, specs: SpecFiles): Promise<void> {
  const asset = specs.assets.get(k.params.file);
  if (!asset) throw new HttpError(404, `no spec file "${k.params.file}"`);
  await sendAsset(k, asset);
}

export function docsNav(specs: SpecFiles): Array<[string, string]> {
  const links = specs.apis.flatMap((a) => [
    ...(a.asyncapi ? [[a.api, `/docs/${a.api}`] as [string, string]] : []),
    ...(a.openapi ? [[`${a.api} REST`, `/docs/${a.api}/rest`] as [string, string]] : []),
  ]);
  return [['Docs', '/docs'], ...links];
}

function indexBody(specs: SpecFiles): string {
  const rows = specs.apis
    .map((a) => {
      const links = [
        a.asyncapi && `<a href="/docs/${a.api}">AsyncAPI</a> (<a href="/specs/${a.asyncapi}">${a.asyncapi}</a>)`,
        a.openapi && `<a href="/docs/${a.api}/rest">REST</a> (<a href="/specs/${a.openapi}">${a.openapi}</a>)`,
      ].filter(Boolean);
      return `<li><strong>${escapeHtml(a.api)}</strong>: ${links.join(' · ')}</li>`;
    })
    .join('\n');
  return `<main class="sy-main"><h1>API documentation</h1>
<p>Every API Switchyard serves, rendered from the same specs it validates with. The raw documents are at <a href="/specs/">/specs/</a>.</p>
<ul class="sy-apis">${rows}</ul></main>`;
}

export function docsRoutes(router: Router, specs: SpecFiles, assets: WebAssets, nav: Array<[string, string]>): void {
  const byApi = new Map(specs.apis.map((a) => [a.api, a]));
  const page = async (title: string, current: string, kind: 'asyncapi' | 'openapi', file: string): Promise<string> => {
    const renderer = kind === 'asyncapi' ? ['asyncapi.js'] : ['redoc.js'];
    const parsed = kind === 'asyncapi' ? await assets.url(file.replace(/\.yaml$/, '.json')) : undefined;
    return renderPage({
      title,
      nav,
      current,
      styles: await Promise.all([...(kind === 'asyncapi' ? ['asyncapi.css'] : []), 'web.css'].map((n) => assets.url(n))),
      scripts: await Promise.all([...renderer, 'docs.js'].map((n) => assets.url(n))),
      // An AsyncAPI page renders the document parsed at build time (web/asyncapi-docs.ts).
      body: `<main id="doc" class="sy-doc sy-doc-${kind}" data-kind="${kind}" data-spec="/specs/${escapeHtml(file)}"${parsed ? ` data-parsed="${parsed}"` : ''}><p class="sy-loading">Loading ${escapeHtml(file)}…</p></main>`,
    });
  };

  router.get('/specs/', (k) => {
    k.body = { files: [...specs.files.keys()].map((name) => `/specs/${name}`) };
  });
  router.get('/specs/:file', (k) => sendSpecFile(k, specs));
  router.get('/docs', async (k) => {
    k.type = 'text/html; charset=utf-8';
    k.body = renderPage({ title: 'Docs', nav, current: '/docs', styles: [await assets.url('web.css')], scripts: [], body: indexBody(specs) });
  });
  router.get('/docs/:api', async (k) => {
    const api = byApi.get(k.params.api);
    if (!api) throw new HttpError(404, `no API "${k.params.api}"`);
    if (!api.asyncapi) return k.redirect(`/docs/${api.api}/rest`);
    k.type = 'text/html; charset=utf-8';
    k.body = await page(`${api.api} (AsyncAPI)`, `/docs/${api.api}`, 'asyncapi', api.asyncapi);
  });
  router.get('/docs/:api/rest', async (k) => {
    const api = byApi.get(k.params.api);
    if (!api?.openapi) throw new HttpError(404, `no REST API "${k.params.api}"`);
    k.type = 'text/html; charset=utf-8';
    k.body = await page(`${api.api} (REST)`, `/docs/${api.api}/rest`, 'openapi', api.openapi);
  });
}
