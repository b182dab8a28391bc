// Counts every HTTP request by matched route, method and status.
import type { ParameterizedContext } from 'koa';
import type { Metrics } from '../metrics';
import { escapedErrorStatus } from './escaped-error-status';
import { routeTemplate } from './route-template';

export function requestMetrics(metrics: Metrics) {
  return async (ctx: ParameterizedContext, next: () => Promise<unknown>): Promise<void> => {
    const end = metrics.httpRequestDuration.startTimer();
    let status: number | undefined; // set when an error escaped: Koa answers it after this
    try {
      await next();
    } catch (err) {
      status = escapedErrorStatus(err);
      throw err;
    } finally {
      status ??= ctx.status;
      const labels = { route: routeTemplate(ctx), method: ctx.method, status: String(status) };
      metrics.httpRequestsTotal.inc(labels);
      end(labels);
    }
  };
}
