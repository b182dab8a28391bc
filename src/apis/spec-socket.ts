// A WebSocket API served from its spec (x-switchyard on its channel, read by the generator into
// generated/socket-endpoints.ts): a client opens the channel's address with a JWT, is grouped by its
// value of the audience key (a claim of the verified token, or a query parameter), and hears every
// message published `to` that value. Its frames are the channel's client actions (spec-actions.ts),
// answered one at a time in order; a channel without actions ignores them.
// The token is checked after the upgrade, as pizza checks its ticket: a browser cannot read why an
// upgrade was refused, but it can read a close code.
import type { IncomingMessage, Server } from 'node:http';
import WebSocket from 'ws';
import type { SocketEndpoint as EndpointSpec } from '../../generated/socket-endpoints';
import type { ApiModule, GatewayContext } from './context';
import { bearerToken, isKeysUnavailable, KEYS_UNAVAILABLE_MESSAGE, verifyOrUndefined } from '../http/bearer';
import { requestTarget } from '../http/request-target';
import { FULL_BUCKET, RateLimit, REFUSED } from '../limits/token-bucket';
import type { ApiName, Subscription } from '../ports/bus';
import { deadLetterRejects } from '../envelopes/validated';
import { broadcastHandler } from '../ws/broadcast';
import { CLOSE_TRY_AGAIN_LATER } from '../ws/send-budget';
import { SocketEndpoint } from '../ws/socket-endpoint';
import { loadHandlers, SpecActions, type Caller } from './spec-actions';

/** No token, or one that does not verify (expired, bad signature...). */
export const CLOSE_UNAUTHORIZED = 4401;
export const NOT_AUTHENTICATED = 'A valid token is required';
/** A verified token (or a request) without the audience value the endpoint groups by. */
export const CLOSE_NO_AUDIENCE = 4403;
const UNAVAILABLE = Symbol('signing keys unavailable');
/** Requests of one socket waiting for their reply; at this many the socket stops being read until one is answered. */
export const MAX_PENDING_REQUESTS = 32;

export function specSocketApi(ctx: GatewayContext, api: string, spec: EndpointSpec): ApiModule {
  // An API of generated/ (ApiName) in a gateway built from it; tests may pass catalogues and
  // endpoints generated from other specs, whose names the build does not know.
  const name = api as ApiName;
  const catalogue = ctx.catalogues[name];
  const endpoint = new SocketEndpoint(ctx, name, spec.path);
  ctx.audiences.register(name, 'sockets', () => endpoint.groups.sizes());
  const subscriptions: Subscription[] = [];
  const missing = 'claim' in spec.from ? `The token has no "${spec.from.claim}" claim` : `The "${spec.from.query}" query parameter is required`;
  // Loaded now, so that a missing handler stops the gateway before it serves anything.
  const actions = Object.keys(spec.actions).length ? new SpecActions(ctx, name, spec, loadHandlers(api, spec, catalogue)) : undefined;

  /** The caller of a socket once its token verifies (it joins its group); closed with a code and reason otherwise. */
  async function admit(ws: WebSocket, req: IncomingMessage): Promise<Caller | undefined> {
    const { query } = requestTarget(req.url);
    const header = spec.token.includes('header') ? bearerToken(req.headers.authorization) : undefined;
    const token = header ?? (spec.token.includes('query') ? query.get('token') : undefined);
    const deadline = endpoint.authDeadline.start(ws);
    // Signing keys that cannot be fetched are not the client's fault: it is told to come back.
    const claims = await verifyOrUndefined(ctx.auth, token).catch((err: unknown): typeof UNAVAILABLE => {
      if (!isKeysUnavailable(err)) ctx.log.error({ err, api }, 'verifying a socket token failed');
      return UNAVAILABLE;
    });
    clearTimeout(deadline);
    if (ws.readyState !== WebSocket.OPEN) return;
    if (claims === UNAVAILABLE) return void ws.close(CLOSE_TRY_AGAIN_LATER, KEYS_UNAVAILABLE_MESSAGE);
    if (!claims) return void ws.close(CLOSE_UNAUTHORIZED, NOT_AUTHENTICATED);
    const value = 'claim' in spec.from ? claims[spec.from.claim] : query.get(spec.from.query);
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '') return void ws.close(CLOSE_NO_AUDIENCE, missing);
    // Audience values match as strings (DESIGN.md): a publish to 2 or "2" reaches this socket.
    endpoint.groups.add(String(value), ws);
    return { claims, audience: String(value) };
  }

  /**
   * Requests are answered in the order they arrive, once the socket is admitted (frames sent before
   * that wait for it; a socket that is refused gets no answers). Beyond the message rate a request
   * is answered 429 and not served.
   */
  function serveActions(answers: SpecActions): (ws: WebSocket, req: IncomingMessage) => void {
    const rateLimit = new RateLimit(ctx.config.wsMessageRate, ctx.config.wsMessageBurst);
    const tooMany = `Too many requests: at most ${ctx.config.wsMessageRate} per second (bursts of ${ctx.config.wsMessageBurst})`;
    return (ws, req) => {
      let queue: Promise<unknown> = admit(ws, req);
      const caller = queue as Promise<Caller | undefined>;
      let bucket = FULL_BUCKET;
      let pending = 0;
      ws.on('message', (data, isBinary) => {
        const text = isBinary ? undefined : data.toString();
        const taken = rateLimit.take(bucket);
        if (taken !== REFUSED) bucket = taken;
        else ctx.metrics.limitsHitTotal.inc({ api: name, limit: 'message_rate' });
        if (++pending >= MAX_PENDING_REQUESTS) ws.pause();
        queue = queue.then(async () => {
          const who = await caller;
          if (!who) return;
          const frame = taken === REFUSED ? answers.refusal(text, 429, tooMany) : await answers.answer(text, who);
          // undefined: not even an error frame the spec accepts could be built (logged and counted).
          if (frame === undefined || ws.readyState !== WebSocket.OPEN) return;
          ws.send(JSON.stringify(frame));
          // Replies count against the socket's send budget like broadcasts.
          endpoint.budget.check(ws);
        }).catch((err: unknown) => ctx.log.error({ err, api }, 'answering a socket request failed')).finally(() => {
          if (--pending < MAX_PENDING_REQUESTS && ws.isPaused) ws.resume();
        });
      });
    };
  }

  return {
    name: api,
    async start(server: Server) {
      if (actions) {
        endpoint.start(server, serveActions(actions));
        const unconfigured = actions.unconfigured();
        if (unconfigured.length) ctx.log.warn({ api, backends: unconfigured }, 'no ACTION_BACKENDS entry for these back-ends; their actions are answered 503');
      } else {
        const onMessage = endpoint.ignoredFrames();
        endpoint.start(server, (ws, req) => {
          ws.on('message', onMessage);
          void admit(ws, req);
        });
      }
      const [fanout, rejects] = await Promise.all([
        ctx.bus.subscribe(name, 'fanout', broadcastHandler(ctx, api, catalogue, endpoint.groups, (a) => ({ group: a.value }))),
        // No durable work, but one node must still dead-letter records the spec rejects.
        deadLetterRejects(ctx.bus, name, catalogue),
      ]);
      subscriptions.push(fanout, ...rejects);
    },
    async stop() {
      for (const s of subscriptions) await s.close();
      await endpoint.stop();
    },
  };
}
