// Counts every HTTP request by matched route, method and status.
import type { ParameterizedContext } from 'koa';
import type { Metrics } from '../metrics';
import { afterRequest } from './request-outcome';

export function requestMetrics(metrics: Metrics) {
  return async (ctx: ParameterizedContext, next: () => Promise<unknown>): Promise<void> => {
    const end = metrics.httpRequestDuration.startTimer();
    await afterRequest(ctx, next, (route, status) => {
      const labels = { route, method: ctx.method, status: String(status) };
      metrics.httpRequestsTotal.inc(labels);
      end(labels);
    });
  };
}
