// Operations endpoints: liveness, readiness (bus and store reachable), Prometheus metrics.
import type { ApiModule, GatewayContext } from '../gateway/context';
import { operation, respond } from '../http/respond';

export function opsApi(ctx: GatewayContext): ApiModule {
  const spec = ctx.catalogues.gateway;
  const healthz = operation(spec, 'GET', '/healthz');
  const readyz = operation(spec, 'GET', '/readyz');
  const metrics = operation(spec, 'GET', '/metrics');
  return {
    name: 'ops',
    routes(router) {
      router.get('/healthz', (k) => respond(k, healthz, 200, { status: 'ok' }));
      router.get('/readyz', async (k) => {
        const [bus, store] = await Promise.all([ctx.bus.ready().catch(() => false), ctx.store.ready().catch(() => false)]);
        const ok = bus && store && !ctx.shutdown.aborted;
        respond(k, readyz, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', checks: { bus, store } });
      });
      router.get('/metrics', async (k) => {
        respond(k, metrics, 200, await ctx.metrics.text(), 'text/plain');
        k.type = ctx.metrics.contentType;
      });
    },
  };
}
