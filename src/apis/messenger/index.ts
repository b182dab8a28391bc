// The messenger event API (seeds/messenger-callback-polling.md; specs/messenger.*.yaml): a user gets
// their events either POSTed to a registered callback URL (webhooks.ts, signed per signature.ts) or
// by long polling (polling.ts). Events reach the user through a bus `work` subscription
// (dispatch.ts), so exactly one node delivers each record; pending webhook deliveries are kept in the
// Store, so another node resumes those of a node that died (webhooks.ts).
import { AddressPolicy } from '../../egress/address-policy';
import { guardedFetch } from '../../egress/guarded-fetch';
import type { ApiModule, GatewayContext } from '../context';
import type { Subscription } from '../../ports/bus';
import { dispatcher } from './dispatch';
import { PollingQueues } from './polling';
import { messengerErrorFormat, messengerRoutes } from './routes';
import { signingKey } from './signature';
import { WebhookDeliverer } from './webhooks';

export function messengerApi(ctx: GatewayContext): ApiModule {
  const { config, store, log } = ctx;
  const queues = new PollingQueues(store);
  const currentUrl = (user: string): Promise<string | undefined> => store.callbacks.get(user);
  // Callbacks are checked at registration (routes.ts) and every connection again (guarded-fetch.ts).
  const policy = new AddressPolicy(config.webhookAllowedNetworks);
  const egress = guardedFetch(policy, (err) => {
    ctx.metrics.webhookCallbacksRefusedTotal.inc({ stage: 'delivery' });
    log.warn({ api: 'messenger', host: err.hostname, address: err.address }, 'webhook not sent: its address is not one webhooks may reach');
  });
  const deliverer = new WebhookDeliverer({
    // A console inbox's URL is delivered to in process, never over the network (console-inboxes.ts).
    fetch: ctx.inboxes.fetch(egress.fetch),
    key: signingKey(config.webhookSecret),
    retryScheduleMs: config.webhookRetryScheduleMs,
    timeoutMs: config.webhookTimeoutMs,
    leaseMs: config.webhookLeaseMs,
    jobs: store.webhookJobs,
    log: log.child({ api: 'messenger' }),
    metrics: ctx.metrics,
    currentUrl,
    // An event the deliverer stops trying to POST is queued for polling under its id (webhooks.ts).
    fallback: (job) => queues.enqueue(job.user, job.body, job.id),
  });
  let subscription: Subscription | undefined;

  return {
    name: 'messenger',
    errorFormat: messengerErrorFormat,
    routes(router) {
      messengerRoutes(router, { ctx, queues, deliverer, policy });
    },
    async start() {
      const handle = dispatcher({ catalogue: ctx.catalogues.messenger, log, metrics: ctx.metrics, currentUrl, queues, deliverer });
      subscription = await ctx.bus.subscribe('messenger', 'work', handle);
      deliverer.start(); // resumes pending deliveries whose node died
    },
    async stop() {
      // First no new records (an in-flight one finishes and may hand over a job), then the webhooks.
      await subscription?.close();
      subscription = undefined;
      await deliverer.stop();
      await egress.close();
    },
  };
}
