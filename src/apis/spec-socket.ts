// A broadcast-only WebSocket API served from its spec alone (x-switchyard on its channel, read by the
// generator into generated/socket-endpoints.ts): a client opens the channel's address with a JWT,
// is grouped by its value of the audience key (a claim of the verified token, or a query
// parameter), and hears every message published `to` that value. Client frames are ignored.
// The token is checked after the upgrade, as pizza checks its ticket: a browser cannot read why an
// upgrade was refused, but it can read a close code.
import type { IncomingMessage, Server } from 'node:http';
import WebSocket from 'ws';
import type { SocketEndpoint as EndpointSpec } from '../../generated/socket-endpoints';
import type { ApiModule, GatewayContext } from './context';
import { bearerToken, isKeysUnavailable, KEYS_UNAVAILABLE_MESSAGE, verifyOrUndefined } from '../http/bearer';
import { requestTarget } from '../http/request-target';
import type { ApiName, Subscription } from '../ports/bus';
import { workHandler } from '../routing/validated';
import { broadcastHandler } from '../ws/broadcast';
import { CLOSE_TRY_AGAIN_LATER } from '../ws/send-budget';
import { SocketEndpoint } from '../ws/socket-endpoint';

/** No token, or one that does not verify (expired, bad signature...). */
export const CLOSE_UNAUTHORIZED = 4401;
export const NOT_AUTHENTICATED = 'A valid token is required';
/** A verified token (or a request) without the audience value the endpoint groups by. */
export const CLOSE_NO_AUDIENCE = 4403;
const UNAVAILABLE = Symbol('signing keys unavailable');

export function specSocketApi(ctx: GatewayContext, api: string, spec: EndpointSpec): ApiModule {
  // An API of generated/ (ApiName) in a gateway built from it; tests may pass catalogues and
  // endpoints generated from other specs, whose names the build does not know.
  const name = api as ApiName;
  const catalogue = ctx.catalogues[name];
  const endpoint = new SocketEndpoint(ctx, name, spec.path);
  ctx.audiences.register(name, 'sockets', () => endpoint.groups.sizes());
  const subscriptions: Subscription[] = [];
  const missing = 'claim' in spec.from ? `The token has no "${spec.from.claim}" claim` : `The "${spec.from.query}" query parameter is required`;

  /** The audience value of a socket once its token verifies; a close code and reason otherwise. */
  async function admit(ws: WebSocket, req: IncomingMessage): Promise<void> {
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
    if (claims === UNAVAILABLE) return ws.close(CLOSE_TRY_AGAIN_LATER, KEYS_UNAVAILABLE_MESSAGE);
    if (!claims) return ws.close(CLOSE_UNAUTHORIZED, NOT_AUTHENTICATED);
    const value = 'claim' in spec.from ? claims[spec.from.claim] : query.get(spec.from.query);
    if ((typeof value !== 'string' && typeof value !== 'number') || value === '') return ws.close(CLOSE_NO_AUDIENCE, missing);
    // Audience values match as strings (DESIGN.md): a publish to 2 or "2" reaches this socket.
    endpoint.groups.add(String(value), ws);
  }

  return {
    name: api,
    async start(server: Server) {
      const onMessage = endpoint.ignoredFrames();
      endpoint.start(server, (ws, req) => {
        ws.on('message', onMessage);
        void admit(ws, req);
      });
      subscriptions.push(
        await ctx.bus.subscribe(name, 'fanout', broadcastHandler(ctx, api, catalogue, endpoint.groups, (a) => ({ group: a.value }))),
        // No durable work, but one node must still dead-letter records the spec rejects.
        await ctx.bus.subscribe(name, 'work', workHandler(catalogue, () => undefined)),
      );
    },
    async stop() {
      for (const s of subscriptions) await s.close();
      await endpoint.stop();
    },
  };
}
