// The API modules one gateway node serves, in the order their routes are mounted.
import type { ApiModule, GatewayContext } from './context';
import { opsApi } from '../apis/ops';
import { publishApi } from '../apis/publish';
import { messengerApi } from '../apis/messenger';
import { eventsApi } from '../apis/events';
import { pizzaApi } from '../apis/pizza';
import { gamesApi } from '../apis/games';
import { workspaceApi } from '../apis/workspace';
import { webApi } from '../web/web-api';

export function apiModules(ctx: GatewayContext): ApiModule[] {
  return [opsApi(ctx), publishApi(ctx), eventsApi(ctx), pizzaApi(ctx), gamesApi(ctx), messengerApi(ctx), workspaceApi(ctx), webApi(ctx)];
}
