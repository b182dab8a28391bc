// The two REST endpoints of the messenger event API (messenger.openapi.yaml):
// POST /events/callback/start and POST /events/polling. Parameters come form-encoded or as JSON.
// Every answer goes through respond(), i.e. the spec's response validators; errors are the
// document's `{code, response}` (-1 Invalid token with HTTP 401, -3 Parameters are invalid with 400),
// and ours for what the document has no code for (-7 with 503, -8 with 429; both with Retry-After).
//
// A registration is checked in this order: parameters (-3), token (-1; -7 while the signing keys
// cannot be fetched), the user's registrations per minute (-8), the callback's address (-3 when it
// is one webhooks may not reach, egress/address-policy.ts; -7 when DNS does not answer).
import { randomUUID } from 'node:crypto';
import type Router from '@koa/router';
import type { ParameterizedContext } from 'koa';
import type { OperationEntry } from '../../../generated';
import type { Claims } from '../../auth/authenticator';
import type { GatewayContext } from '../context';
import type { ErrorFormat } from '../../http/errors';
import type { AddressPolicy } from '../../egress/address-policy';
import { isKeysUnavailable, KEYS_RETRY_AFTER_SECONDS, verifyOrUndefined } from '../../http/bearer';
import { mount } from '../../http/mount';
import { respond } from '../../http/respond';
import { clientGone } from '../../http/long-poll';
import { messageNamed, sendableEvent } from './framing';
import type { PollingQueues } from './polling';
import type { WebhookDeliverer } from './webhooks';

export const INVALID_TOKEN = { code: -1, response: 'Invalid token' } as const;
export const INVALID_PARAMETERS = { code: -3, response: 'Parameters are invalid' } as const;
/** The document's table has no code for a gateway fault; -3 with this text keeps the body in shape. */
export const INTERNAL_ERROR = { code: -3, response: 'Internal error' } as const;
/** Ours: the token cannot be checked now (JWKS unreachable) or DNS did not answer; retry later. */
export const SERVICE_UNAVAILABLE = { code: -7, response: 'Service unavailable' } as const;
/** Ours: over WEBHOOK_REGISTRATIONS_PER_MINUTE. */
export const TOO_MANY_REQUESTS = { code: -8, response: 'Too many requests' } as const;
const SUCCESS = 10;
const MINUTE_MS = 60_000;
const DNS_RETRY_AFTER_SECONDS = 5;

/**
 * Errors raised before a route runs (malformed or too large body, a method the path does not
 * serve, ...) and unexpected ones: 401 is -1, every other request the client can fix (400, 405,
 * 413, 501) is -3, keeping the HTTP status; a gateway fault is -3 "Internal error".
 */
export const messengerErrorFormat: ErrorFormat = (status) =>
  status === 401 ? INVALID_TOKEN : status >= 500 && status !== 501 ? INTERNAL_ERROR : INVALID_PARAMETERS;

export interface RouteDeps {
  ctx: GatewayContext;
  queues: PollingQueues;
  deliverer: WebhookDeliverer;
  /** Where callbacks may point. */
  policy: AddressPolicy;
}

export function messengerRoutes(router: Router, deps: RouteDeps): void {
  const { ctx, queues, deliverer, policy } = deps;
  const catalogue = ctx.catalogues.messenger;
  const { startCallback: startOp, poll: pollOp } = catalogue.operations;
  const deprecated = messageNamed(catalogue, 'callback_deprecated');
  // The fixed error bodies must fit the spec; checked once at start rather than on a client's request.
  const fixed = [['400', INVALID_PARAMETERS], ['401', INVALID_TOKEN], ['503', SERVICE_UNAVAILABLE]] as const;
  for (const [op, answers] of [[startOp, [...fixed, ['429', TOO_MANY_REQUESTS]]], [pollOp, fixed]] as const) {
    for (const [status, body] of answers) {
      const responses: OperationEntry['responses'] = op.responses;
      if (!responses[status]?.['application/json']?.(body)) throw new Error(`${op.operationId}: the spec does not accept ${JSON.stringify(body)} as ${status}`);
    }
  }

  /** -7 (503) or -8 (429): the client may retry after Retry-After seconds. */
  function retryLater(k: ParameterizedContext, op: OperationEntry, status: 429 | 503, afterSeconds: number): void {
    k.set('Retry-After', String(Math.max(1, Math.ceil(afterSeconds))));
    respond(k, op, status, status === 429 ? TOO_MANY_REQUESTS : SERVICE_UNAVAILABLE);
  }

  /** Checks the parameters (-3), then the token (-1): the caller, or undefined once answered with an error. */
  async function authenticate(k: ParameterizedContext, op: OperationEntry, check?: (params: Record<string, unknown>) => boolean) {
    const params = readParams(k, op);
    if (!params || (check && !check(params))) return void respond(k, op, 400, INVALID_PARAMETERS);
    let claims: Claims | undefined;
    try {
      claims = await verifyOrUndefined(ctx.auth, params.token);
    } catch (err) {
      if (!isKeysUnavailable(err)) throw err;
      return void retryLater(k, op, 503, KEYS_RETRY_AFTER_SECONDS);
    }
    if (!claims) return void respond(k, op, 401, INVALID_TOKEN);
    return { user: claims.sub, params };
  }

  // Parameters come as a form or JSON and answer -3 before the token's -1: authenticate() checks them.
  mount(router, startOp, async (k) => {
    const caller = await authenticate(k, startOp, (p) => isHttpUrl(p.callback));
    if (!caller) return;
    // Counted before the address check, so that the DNS lookups a user can cause are limited too.
    const window = await ctx.store.windows.hit(`callback-registrations:${caller.user}`, MINUTE_MS);
    if (window.count > ctx.config.webhookRegistrationsPerMinute) {
      ctx.metrics.limitsHitTotal.inc({ api: 'messenger', limit: 'webhook_registrations' });
      return retryLater(k, startOp, 429, window.resetInMs / 1000);
    }
    const url = caller.params.callback as string;
    // A live console inbox is never connected to (its deliveries stay in process): nothing to check.
    const host = ctx.inboxes.idOf(url) !== undefined ? { ok: true as const } : await policy.checkHost(new URL(url).hostname);
    if (!host.ok) {
      if (host.reason === 'lookup_failed') return retryLater(k, startOp, 503, DNS_RETRY_AFTER_SECONDS);
      if (host.reason === 'refused') ctx.metrics.webhookCallbacksRefusedTotal.inc({ stage: 'registration' });
      return respond(k, startOp, 400, INVALID_PARAMETERS);
    }
    // Setting answers the URL it replaced in the same atomic step, so of two racing
    // registrations each retired URL is told exactly once.
    const previous = await ctx.store.callbacks.set(caller.user, url);
    if (previous !== undefined && previous !== url) {
      // Only a stored URL the spec's `format: uri` rejects is refused (registered before a spec change).
      const framed = sendableEvent(ctx, deprecated, { old_callback: previous, new_callback: url }, { user: caller.user });
      if (framed) {
        const job = { id: randomUUID(), user: caller.user, message: deprecated.name, body: framed.serialized, url: previous };
        // The registration itself is done: a store failure costs the notice, not the answer.
        await deliverer.deliver(job).catch((err: unknown) => ctx.log.error({ err, user: caller.user }, 'callback_deprecated not sent: storing it failed'));
      }
    }
    respond(k, startOp, 200, { code: SUCCESS });
  }, { validate: false });

  const polls = ctx.audiences.counter('messenger', 'long polls');
  mount(router, pollOp, async (k) => {
    const caller = await authenticate(k, pollOp);
    if (!caller) return;
    const gone = clientGone(k);
    const gauge = ctx.metrics.longPollsOpen.labels({ api: 'messenger' });
    gauge.inc();
    polls.enter(caller.user);
    try {
      const result = await queues.next(caller.user, { timeoutMs: ctx.config.messengerPollTimeoutMs, shutdown: ctx.shutdown, gone });
      if (result.reason === 'gone') return;
      // Answered while the node stops: no keep-alive, or server.close() would wait for the client
      // to drop its idle connection.
      if (ctx.shutdown.aborted) k.set('Connection', 'close');
      if (result.item === undefined) {
        // No JSON body: a client reading every JSON answer as an event skips it (spec: 204 x-compat).
        k.status = 204;
        k.set('X-Poll-Timeout', result.reason === 'shutdown' ? 'the gateway is shutting down; poll again' : `no event for this user within ${ctx.config.messengerPollTimeoutMs} ms; poll again`);
        return;
      }
      const event = JSON.parse(result.item) as { type: string };
      respond(k, pollOp, 200, { code: SUCCESS, ...event });
      ctx.metrics.eventsDeliveredTotal.inc({ api: 'messenger', message: event.type });
    } finally {
      gauge.dec();
      polls.leave(caller.user);
    }
  }, { validate: false });
}

/** The body's parameters when it is a form or JSON object the operation's validator accepts. */
function readParams(k: ParameterizedContext, op: OperationEntry): Record<string, unknown> | undefined {
  const type = k.is('application/x-www-form-urlencoded') ? 'application/x-www-form-urlencoded' : k.is('json') ? 'application/json' : undefined;
  const validate = type && op.body[type];
  const body: unknown = k.request.body;
  if (!validate || typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  return validate(body) ? (body as Record<string, unknown>) : undefined;
}

/** An absolute http(s) URL with a host (the spec's pattern and `format: uri`, checked by the WHATWG parser too). */
export function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string') return false;
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
