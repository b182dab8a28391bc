// The browser pages as one API module: /docs and /specs (DOCS_ENABLED), /console (consoleMode),
// and the /assets they share. Mounted like any API; with both off it adds no route at all.
import { join } from 'node:path';
import type { ApiModule, GatewayContext } from '../gateway/context';
import { consoleMode } from '../config';
import { WebAssets } from './assets';
import { assetRoute } from './asset-route';
import { docsRoutes } from './docs-routes';
import { PACKAGE_ROOT } from './package-root';
import { readSpecFiles } from './spec-files';

export function webApi(ctx: GatewayContext): ApiModule {
  const docs = ctx.config.docsEnabled;
  const console = consoleMode(ctx.config) !== 'off';
  const assets = new WebAssets();
  return {
    name: 'web',
    routes(router) {
      if (!docs && !console) return;
      assetRoute(router, assets);
      if (docs) docsRoutes(router, readSpecFiles(join(PACKAGE_ROOT, 'specs')), assets);
    },
  };
}
