// The workspace API (workspace-socketio.md): socket.io at `/socket.io/` on the shared HTTP server,
// for socket.io clients 2.x (Engine.IO 3, the original app's) and 3.x/4.x. Clients send `auth`, then
// `logout` or `conversation-broadcast`; server events published to api `workspace` (POST
// /publish/v1/workspace, Kafka, or the gateway's own presence changes) reach their workspace, user
// or channel rooms. Cross-origin polling is answered for CORS_ORIGINS (http/cors.ts).
//
//   index.ts    attach/detach socket.io, wire connections and bus subscriptions
//   session.ts  one socket: `auth`, re-auth, `logout`, `conversation-broadcast`, errors, disconnect
//   deliveries.ts  waiting for this node's delivery of its own announcement (before `auth-success`)
//   auth.ts     `auth` validation, token, membership
//   rooms.ts    room names, audience -> rooms, channel ownership
//   presence.ts online counting in the store, announcements through the bus
//   deliver.ts  fanout delivery and the once-per-record channel bookkeeping
//   frames.ts   outgoing frames, each checked with its generated validator
//   flow.ts     slow-consumer cut-off
//   coalesce.ts one write per flush of a connection's queued packets
//
// Decisions and caveats:
// - A second `auth` re-authenticates (session.ts); a failed one changes nothing. Token expiry is
//   checked at `auth` only, as in the original: an authenticated socket is not cut at `exp`.
// - Channel ownership is written to the store by the bus `work` consumer (once per record); each
//   node also applies `channel-created`/`channel-deleted` from its own fanout stream, so a channel
//   event published after its `channel-created` is routed to the workspace even before the store
//   write lands. That relies on the bus keeping publish order between the two records: true for
//   the in-process bus; on Kafka, records keyed by workspaceId and by channelId may sit in
//   different partitions, so a channel event racing its `channel-created` can still reach only
//   the `channel:<id>` room (claim holders).
// - eventsDeliveredTotal counts frames written: one per recipient socket on this node.
import type { Server as HttpServer } from 'node:http';
import type { Socket as EngineSocket } from 'engine.io';
import { Server } from 'socket.io';
import type { ApiModule, GatewayContext } from '../context';
import { RateLimit } from '../../limits/token-bucket';
import { isUnavailable } from '../../ports/availability';
import type { Subscription } from '../../ports/bus';
import { AUTH_EVENT, ERRORS } from './auth';
import { coalesceWrites, type UpgradableConnection } from './coalesce';
import { channelBookkeeping, fanoutHandler } from './deliver';
import { cutOff, FlowControl, type EngineConnection } from './flow';
import { hasBinary, Replies, transactionOf } from './frames';
import { Deliveries } from './deliveries';
import { Presence, publishEvent } from './presence';
import { ChannelDirectory } from './rooms';
import { CONVERSATION_BROADCAST, LOGOUT_EVENT, Session } from './session';
import { socketIoCors } from '../../http/cors';
import { deeperThan, tooDeep } from '../../validation/json-depth';

export const SOCKET_IO_PATH = '/socket.io/';
const API = { api: 'workspace' } as const;

type Listener = (...args: unknown[]) => void;
const ATTACH_EVENTS = ['request', 'upgrade', 'close', 'listening'] as const;

/**
 * Attaches socket.io to a server someone else owns. engine.io wraps the existing `request`
 * listeners and adds its own; `detach` puts the server back as it was (io.close() would close the
 * shared HTTP server too).
 */
function attach(server: HttpServer, options: ConstructorParameters<typeof Server>[1]): { io: Server; detach(): void } {
  const before = new Map(ATTACH_EVENTS.map((e) => [e, server.listeners(e) as Listener[]]));
  const io = new Server(server, options);
  const after = new Map(ATTACH_EVENTS.map((e) => [e, server.listeners(e) as Listener[]]));
  return {
    io,
    detach() {
      for (const event of ATTACH_EVENTS) {
        const was = before.get(event) ?? [];
        const added = (after.get(event) ?? []).filter((l) => !was.includes(l));
        const removed = was.filter((l) => !(after.get(event) ?? []).includes(l));
        added.forEach((l) => server.removeListener(event, l));
        [...removed].reverse().forEach((l) => server.prependListener(event, l));
      }
    },
  };
}

export function workspaceApi(ctx: GatewayContext): ApiModule {
  const { config, log, metrics, bus, store, catalogues } = ctx;
  const catalogue = catalogues.workspace;
  const validateAuth = catalogue.messages[AUTH_EVENT]?.validate;
  const validateBroadcast = catalogue.messages['conversation-broadcast-request']?.validate;
  if (!validateAuth || !validateBroadcast) throw new Error('workspace catalogue lacks "auth" or "conversation-broadcast-request"');
  const replies = new Replies(catalogue, ctx);
  // A store outage is logged once, by the store, not per socket and refresh.
  const onError = (err: unknown) => isUnavailable(err) || log.warn({ err }, 'workspace: presence refresh failed');
  const presence = new Presence({ presence: store.presence, bus, catalogue, metrics, onError });
  const channels = new ChannelDirectory(store.channels);
  const sessions = new Map<string, Session>(); // by socket id
  // auth-success waits at most this long for this node's delivery of the announcement before it.
  const deliveries = new Deliveries(config.wsAuthTimeoutMs);
  const { connections } = ctx;
  const flow = new FlowControl(config.wsMaxBufferedBytes, (bytes, conn) => {
    if ((conn as unknown as EngineSocket).readyState !== 'open') return;
    metrics.slowConsumersClosedTotal.inc(API);
    log.warn({ bytes, limit: config.wsMaxBufferedBytes }, 'workspace: closing a slow consumer');
    cutOff(conn);
  });
  // Listeners of every engine.io connection, shared (called with the connection as `this`): no
  // closure per connection. What a client's own packets make the server write (replies, errors,
  // socket.io's own answers to its packets) counts like broadcasts: its buffer is checked at each
  // packet it sends, so a client that sends without reading is cut off too, at most one answer late.
  function onPacket(this: EngineSocket): void {
    flow.check(this as unknown as EngineConnection);
  }
  function onClose(this: EngineSocket): void {
    connections.release(this);
    flow.forget(this as unknown as EngineConnection);
  }
  const sessionDeps = {
    validateAuth, validateBroadcast, auth: ctx.auth, presence, replies, log, metrics, deliveries,
    publish: (message: string, to: Record<string, string>, data: unknown) => publishEvent({ bus, catalogue, metrics }, message, to, data),
    authTimeoutMs: config.wsAuthTimeoutMs,
    rateLimit: new RateLimit(config.wsMessageRate, config.wsMessageBurst),
  };
  let fanout: Subscription | undefined;
  let attached: { io: Server; detach(): void } | undefined;
  // Its rooms (workspace:, channel:, user:), not the room socket.io gives each socket of its own.
  ctx.audiences.register('workspace', 'sockets', function* () {
    for (const [room, members] of attached?.io.of('/').adapter.rooms ?? []) if (room.includes(':')) yield [room, members.size] as const;
  });
  let stopping = false;
  const badInput = (kind: string) => metrics.badInputTotal.inc({ ...API, kind });
  // socket.io reports a packet it cannot decode as an Error on the socket, then closes the
  // connection; a client's own `emit("error", ...)` arrives here too, but never as an Error.
  const onSocketError = (err: unknown) => {
    if (err instanceof Error) badInput('invalid_packet');
  };

  return {
    name: 'workspace',

    async start(server) {
      attached = attach(server, {
        path: SOCKET_IO_PATH,
        serveClient: false,
        destroyUpgrade: false, // raw WebSockets on `/` and `/ws` share the server's upgrades
        maxHttpBufferSize: config.wsMaxFrameBytes, // larger packets close the connection (engine.io)
        pingInterval: config.wsPingIntervalMs,
        pingTimeout: config.wsPongTimeoutMs,
        // An engine.io connection that never joins the namespace is closed after this long.
        connectTimeout: config.wsAuthTimeoutMs,
        // socket.io-client 2.x speaks Engine.IO 3: socket.io 4 joins it to `/` on connecting and
        // answers its pings (in Engine.IO 4 the server pings).
        allowEIO3: true,
        cors: socketIoCors(config),
        // A handshake over the connection limits is refused (engine.io answers 403, or 400 to a
        // WebSocket handshake, with the message: the client gets a connect_error).
        allowRequest: (req, answer) => {
          const refusal = connections.refusal('workspace', connections.addressOf(req));
          answer(refusal?.message, refusal === undefined);
        },
      });
      const { io } = attached;
      if (ctx.sessionIds) io.engine.generateId = ctx.sessionIds;

      // Limits and flow control hold per engine.io connection: that is what holds a file
      // descriptor and a write buffer, whether or not it ever joins the namespace.
      io.engine.on('connection', (conn: EngineSocket) => {
        // A handshake that raced past allowRequest while the last slot was taken is closed here.
        const address = connections.addressOf(conn.request);
        if (connections.refusal('workspace', address)) return conn.close();
        connections.hold(conn, address);
        coalesceWrites(conn as unknown as UpgradableConnection);
        flow.watch(conn as unknown as EngineConnection);
        conn.on('packet', onPacket);
        conn.on('close', onClose); // emitted once
      });

      io.on('connection', (socket) => {
        if (stopping) {
          socket.disconnect(true);
          return;
        }
        metrics.connectionsOpen.inc(API);
        const session = new Session(socket, sessionDeps);
        sessions.set(socket.id, session);

        // Every client event goes through this one middleware (socket.io calls `onAny` listeners
        // before middlewares, so the rate must be checked here): it spends a token of the socket's
        // message rate (one over it gets an error and is dropped), then `auth` is handled and
        // anything else refused. No event reaches a listener.
        // Its arguments' depth is checked before anything reads them.
        socket.use(([event, ...args]) => {
          const data: unknown = args[0];
          const payload: unknown = typeof data === 'function' ? undefined : data; // an ack callback is no payload
          if (!session.allow(String(event), payload)) return;
          if (deeperThan(args, config.jsonMaxDepth)) {
            badInput('too_deep');
            replies.error(socket, String(event), tooDeep(config.jsonMaxDepth), transactionOf(payload));
          } else if (hasBinary(args)) {
            badInput('binary');
            replies.error(socket, String(event), ERRORS.invalidEventData(String(event)), transactionOf(payload));
          } else if (event === AUTH_EVENT) {
            void session.onAuth(payload);
          } else if (event === LOGOUT_EVENT) {
            session.onLogout(payload);
          } else if (event === CONVERSATION_BROADCAST) {
            void session.onConversationBroadcast(payload);
          } else {
            badInput(session.authenticated ? 'unknown_event' : 'unauthenticated_event');
            session.rejectEvent(String(event), payload);
          }
        });
        socket.on('error', onSocketError);
        socket.on('disconnect', () => {
          metrics.connectionsOpen.dec(API);
          void session.onDisconnect().finally(() => sessions.delete(socket.id));
        });
      });

      io.engine.on('connection_error', (err: { code?: number; message?: string }) => {
        badInput('connection_refused');
        log.debug({ code: err.code, message: err.message }, 'workspace: connection refused');
      });

      const subscribed = bus.subscribe('workspace', 'fanout', fanoutHandler({
        catalogue, io, channels, metrics, log,
        broadcast: (bytes) => flow.broadcast(bytes),
        delivered: (id) => deliveries.delivered(id),
        selection: (socketId, userId, channelId, unselected) => {
          const session = sessions.get(socketId);
          if (session?.userId === userId) session.select(channelId, unselected);
        },
      }));
      // Channel bookkeeping: one node per record. Deliberately not closed in stop(): the gateway
      // closes the bus right after its modules, and bus.close() flushes what was published (this
      // node's last offline announcements too) before it stops every subscription. Closing it here
      // would strand those records in a work group without members.
      [fanout] = await Promise.all([subscribed, bus.subscribe('workspace', 'work', channelBookkeeping({ catalogue, channels: store.channels }))]);
    },

    async stop() {
      stopping = true;
      if (attached) {
        const { io, detach } = attached;
        // Disconnecting runs each socket's presence step (offline announcements go out on the bus
        // before it is closed); then the engine drops what is left and the server is given back.
        io.local.disconnectSockets(true);
        deliveries.releaseAll();
        await Promise.allSettled([...sessions.values()].map((s) => s.idle()));
        io.engine.close();
        detach();
        attached = undefined;
      }
      presence.stop();
      await fanout?.close();
      fanout = undefined;
    },
  };
}
