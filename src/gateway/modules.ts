// The API modules one gateway node serves, in the order their routes are mounted: the hand-written
// ones, then a spec socket module for every API whose spec describes a socket
// endpoint and that no hand-written module serves.
import type { ApiModule, GatewayContext } from '../apis/context';
import { opsApi } from '../apis/ops';
import { publishApi } from '../apis/publish';
import { messengerApi } from '../apis/messenger';
import { eventsApi } from '../apis/events';
import { pizzaApi } from '../apis/pizza';
import { gamesApi } from '../apis/games';
import { workspaceApi } from '../apis/workspace';
import { specSocketApi } from '../apis/spec-socket';
import { webApi } from '../web/web-api';

export function apiModules(ctx: GatewayContext): ApiModule[] {
  const written = [eventsApi(ctx), pizzaApi(ctx), gamesApi(ctx), messengerApi(ctx), workspaceApi(ctx)];
  const served = new Set(written.map((m) => m.name));
  const fromSpecs = Object.entries(ctx.socketEndpoints)
    .filter(([api]) => !served.has(api) && api in ctx.catalogues)
    .map(([api, endpoint]) => specSocketApi(ctx, api, endpoint));
  return [opsApi(ctx), publishApi(ctx), ...written, ...fromSpecs, webApi(ctx)];
}
