// GET /assets/<name>: the pages' scripts and styles, compressed as the browser accepts, and kept
// by it for good when the URL carries the current content hash. The spec files go out the same way.
import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import { HttpError } from '../http/errors';
import type { Asset, WebAssets } from './assets';

export function assetRoute(router: Router, assets: WebAssets): void {
  router.get('/assets/:name', async (k) => {
    const asset = (await assets.all()).get(k.params.name);
    if (!asset) throw new HttpError(404, `no asset "${k.params.name}"`);
    await sendAsset(k, asset);
  });
}

/** Answers with `asset`, compressed as accepted; cacheable for good when the URL names its hash. */
export async function sendAsset(k: ParameterizedContext, asset: Asset): Promise<void> {
  k.type = asset.type;
  k.etag = asset.hash;
  k.vary('Accept-Encoding');
  k.set('Cache-Control', k.query.v === asset.hash ? 'public, max-age=31536000, immutable' : 'no-cache');
  k.status = 200; // `fresh` compares validators only for a 2xx answer
  if (k.fresh) {
    k.status = 304;
    return;
  }
  // Our preference, not the header's order: brotli is the smaller.
  const encoding = (['br', 'gzip'] as const).find((e) => k.acceptsEncodings(e) === e);
  if (encoding) {
    k.set('Content-Encoding', encoding);
    k.body = await asset.encoded(encoding);
  } else {
    k.body = asset.body;
  }
}
