// The API modules one gateway node serves, in the order their routes are mounted.
import type { ApiModule, GatewayContext } from './context';
import { opsApi } from '../apis/ops';
import { publishApi } from '../apis/publish';

export function apiModules(ctx: GatewayContext): ApiModule[] {
  return [opsApi(ctx), publishApi(ctx)];
}
