// Operations endpoints: liveness, readiness (bus and store reachable), Prometheus metrics.
import type { ApiModule, GatewayContext } from './context';
import { mount } from '../http/mount';
import { respond } from '../http/respond';

export function opsApi(ctx: GatewayContext): ApiModule {
  const spec = ctx.catalogues.gateway;
  const { healthz, readyz, metrics } = spec.operations;
  return {
    name: 'ops',
    routes(router) {
      mount(router, healthz, (k) => respond(k, healthz, 200, { status: 'ok' }));
      mount(router, readyz, async (k) => {
        const [bus, store] = await Promise.all([ctx.bus.ready().catch(() => false), ctx.store.ready().catch(() => false)]);
        const ok = bus && store && !ctx.shutdown.aborted;
        respond(k, readyz, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks: { bus, store } });
      });
      mount(router, metrics, async (k) => {
        respond(k, metrics, 200, await ctx.metrics.text(), 'text/plain');
        k.type = ctx.metrics.contentType;
      });
    },
  };
}
