// The browser pages as one API module: /docs and /specs (DOCS_ENABLED), /console (consoleMode),
// and the /assets they share. Mounted like any API; with both off it adds no route at all.
import { join } from 'node:path';
import type { ApiModule, GatewayContext } from '../apis/context';
import { consoleMode } from '../config';
import { packageRoot } from '../package-root';
import { WebAssets } from './assets';
import { assetRoute } from './asset-route';
import { consoleRoutes } from './console-routes';
import { DeadLetters } from './dead-letters';
import { docsNav, docsRoutes } from './docs-routes';
import { readSpecFiles } from './spec-files';

export function webApi(ctx: GatewayContext): ApiModule {
  const docsOn = ctx.config.docsEnabled;
  const consoleOn = consoleMode(ctx.config) !== 'off';
  const assets = new WebAssets();
  return {
    name: 'web',
    routes(router) {
      if (!docsOn && !consoleOn) return;
      const specs = readSpecFiles(join(packageRoot().dir, 'specs'));
      const nav: Array<[string, string]> = [...(docsOn ? docsNav(specs) : []), ...(consoleOn ? [['Console', '/console'] as [string, string]] : [])];
      assetRoute(router, assets);
      if (docsOn) docsRoutes(router, specs, assets, nav);
      const { kafkaBrokers, kafkaClientId, kafkaTopicPrefix } = ctx.config;
      const deadLetters = kafkaBrokers ? new DeadLetters(kafkaBrokers, kafkaClientId, kafkaTopicPrefix) : undefined;
      if (consoleOn) consoleRoutes(router, ctx, specs, assets, nav, deadLetters);
    },
  };
}
