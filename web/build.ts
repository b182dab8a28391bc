// Builds the files the browser pages load: the two vendored renderers (prebuilt bundles of
// devDependencies, copied so that production installs none of them), our own browser code, bundled
// by esbuild, and each AsyncAPI document parsed here rather than in the browser (asyncapi-docs.ts). scripts/build-web.ts writes them to dist/web/; a gateway running from the
// TypeScript sources (tests, tsx) builds them in memory through this same function.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parsedAsyncApiDocs } from './asyncapi-docs';

export interface WebFile {
  name: string;
  body: Buffer;
}

// Redoc's footer loads its logo from the vendor's CDN; the page must work offline and fetch nothing
// from elsewhere, so the image points nowhere (its onError handler then hides it).
const REDOC_LOGO = 'https://cdn.redoc.ly/redoc/logo-mini.svg';

function vendor(name: string, request: string, rewrite?: (text: string) => string): WebFile {
  const body = readFileSync(require.resolve(request));
  return { name, body: rewrite ? Buffer.from(rewrite(body.toString('utf8'))) : body };
}

function withoutCdn(text: string): string {
  if (!text.includes(REDOC_LOGO)) throw new Error(`redoc's bundle no longer holds ${REDOC_LOGO}: check what it fetches from outside`);
  return text.split(REDOC_LOGO).join('data:,');
}

async function bundle(name: string, entry: string): Promise<WebFile> {
  const result = await build({
    entryPoints: [join(__dirname, entry)],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2022',
    platform: 'browser',
    write: false,
    logLevel: 'silent',
  });
  return { name, body: Buffer.from(result.outputFiles[0].contents) };
}

export async function buildWebFiles(): Promise<WebFile[]> {
  return [
    // The component without its parser: it is handed the documents parsed at build time.
    vendor('asyncapi.js', '@asyncapi/react-component/browser/standalone/without-parser.js'),
    vendor('asyncapi.css', '@asyncapi/react-component/styles/default.min.css'),
    vendor('redoc.js', 'redoc/bundles/redoc.standalone.js', withoutCdn),
    { name: 'web.css', body: readFileSync(join(__dirname, 'web.css')) },
    await bundle('docs.js', 'docs/main.ts'),
    await bundle('console.js', 'console/main.ts'),
    ...(await parsedAsyncApiDocs(join(__dirname, '..', 'specs'))),
  ];
}
