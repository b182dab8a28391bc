// The files the browser pages load (/assets/<name>), each with a content hash for its URL and its
// gzip and brotli encodings, compressed on first request and kept. They come from dist/web/ in the
// built package; running from the sources, web/build.ts builds them in memory on first use.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { extname, join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import { packageRoot } from '../package-root';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.yaml': 'application/yaml; charset=utf-8',
};

export type Encoding = 'br' | 'gzip';

export interface Asset {
  readonly name: string;
  readonly type: string;
  readonly body: Buffer;
  /** A short content hash: the URL's `?v=` and the ETag. */
  readonly hash: string;
  encoded(encoding: Encoding): Promise<Buffer>;
}

const compress: Record<Encoding, (body: Buffer) => Promise<Buffer>> = {
  // Quality 9 of 11: within a few per cent of the best, at a fraction of its start-up CPU.
  br: (body) => promisify(brotliCompress)(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }),
  gzip: (body) => promisify(gzip)(body, { level: 9 }),
};

/** A file served as the pages' assets are: compressed on first request, and kept. */
export function webAsset(name: string, body: Buffer): Asset {
  const cache = new Map<Encoding, Promise<Buffer>>();
  return {
    name,
    type: TYPES[extname(name)] ?? 'application/octet-stream',
    body,
    hash: createHash('sha256').update(body).digest('hex').slice(0, 12),
    encoded(encoding) {
      let done = cache.get(encoding);
      if (!done) cache.set(encoding, (done = compress[encoding](body)));
      return done;
    },
  };
}

interface WebFile {
  name: string;
  body: Buffer;
}

async function webFiles(): Promise<WebFile[]> {
  const root = packageRoot().dir;
  // Running the TypeScript sources (tsx, ts-jest); the built package runs dist/src/*.js.
  if (__filename.endsWith('.ts')) {
    // A computed path, so that the built package (which has no web/ and no esbuild) never loads it.
    const builder = join(root, 'web', 'build');
    const { buildWebFiles } = require(builder) as { buildWebFiles(): Promise<WebFile[]> };
    return buildWebFiles();
  }
  const dir = join(root, 'dist', 'web');
  return readdirSync(dir).map((name) => ({ name, body: readFileSync(join(dir, name)) }));
}

export class WebAssets {
  private loading: Promise<Map<string, Asset>> | undefined;

  /** Every asset by name; loaded (or built) once, on first use. */
  all(): Promise<Map<string, Asset>> {
    this.loading ??= webFiles().then((files) => new Map(files.map((f) => [f.name, webAsset(f.name, f.body)])));
    return this.loading;
  }

  /** `/assets/<name>?v=<hash>`: a URL that changes with the content, so browsers may keep it for good. */
  async url(name: string): Promise<string> {
    const found = (await this.all()).get(name);
    if (!found) throw new Error(`no web asset ${name}`);
    return `/assets/${name}?v=${found.hash}`;
  }
}
