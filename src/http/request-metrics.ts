// Counts every HTTP request by matched route, method and status.
import type { ParameterizedContext } from 'koa';
import type { Metrics } from '../metrics';
import { routeTemplate } from './route-template';

export function requestMetrics(metrics: Metrics) {
  return async (ctx: ParameterizedContext, next: () => Promise<unknown>): Promise<void> => {
    const end = metrics.httpRequestDuration.startTimer();
    try {
      await next();
    } finally {
      const labels = { route: routeTemplate(ctx), method: ctx.method, status: String(ctx.status) };
      metrics.httpRequestsTotal.inc(labels);
      end(labels);
    }
  };
}
