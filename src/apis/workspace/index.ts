// The workspace API (workspace-socketio.md): socket.io at `/socket.io/` on the shared HTTP server.
// Clients send only `auth`; server events published to api `workspace` (POST /publish/v1/workspace,
// Kafka, or the gateway's own presence changes) reach their workspace, user or channel rooms.
//
//   index.ts    attach/detach socket.io, wire connections and bus subscriptions
//   session.ts  one socket: `auth`, re-auth, errors, disconnect
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
import { Server } from 'socket.io';
import type { ApiModule, GatewayContext } from '../../gateway/context';
import { isUnavailable } from '../../ports/availability';
import type { Subscription } from '../../ports/bus';
import { AUTH_EVENT } from './auth';
import { coalesceWrites, type UpgradableConnection } from './coalesce';
import { channelBookkeeping, fanoutHandler } from './deliver';
import { cutOff, FlowControl, type EngineConnection } from './flow';
import { Replies } from './frames';
import { Presence } from './presence';
import { ChannelDirectory } from './rooms';
import { Session } from './session';

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
  if (!validateAuth) throw new Error('workspace catalogue has no "auth" message');
  const replies = new Replies(catalogue, log);
  // A store outage is logged once, by the store, not per socket and refresh.
  const onError = (err: unknown) => isUnavailable(err) || log.warn({ err }, 'workspace: presence refresh failed');
  const presence = new Presence({ store, bus, catalogue, metrics, onError });
  const channels = new ChannelDirectory(store);
  const sessions = new Set<Session>();
  const flow = new FlowControl(config.wsMaxBufferedBytes);
  let fanout: Subscription | undefined;
  let attached: { io: Server; detach(): void } | undefined;
  let stopping = false;

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
        // no `cors`: cross-origin polling is refused by browsers unless configured
      });
      const { io } = attached;

      io.on('connection', (socket) => {
        if (stopping) {
          socket.disconnect(true);
          return;
        }
        metrics.connectionsOpen.inc(API);
        const session = new Session(socket, { validateAuth, auth: ctx.auth, presence, replies, log });
        sessions.add(session);

        const conn = socket.conn as unknown as EngineConnection;
        coalesceWrites(socket.conn as unknown as UpgradableConnection);
        const watch = flow.watch(socket.id, conn, (bytes) => {
          if (socket.disconnected) return;
          metrics.slowConsumersClosedTotal.inc(API);
          log.warn({ socket: socket.id, bytes, limit: config.wsMaxBufferedBytes }, 'workspace: closing a slow consumer');
          cutOff(conn);
        });

        // Replies are checked like broadcasts: a client that sends without reading is cut off too.
        socket.onAny((event: unknown, ...args: unknown[]) => {
          if (event === AUTH_EVENT) return;
          session.rejectEvent(String(event), typeof args[0] === 'function' ? undefined : args[0]);
          watch.check();
        });
        socket.on(AUTH_EVENT, (data: unknown) => void session.onAuth(data).then(() => watch.check()));
        socket.on('disconnect', () => {
          metrics.connectionsOpen.dec(API);
          flow.forget(socket.id);
          void session.onDisconnect().finally(() => sessions.delete(session));
        });
      });

      io.engine.on('connection_error', (err: { code?: number; message?: string }) =>
        log.debug({ code: err.code, message: err.message }, 'workspace: connection refused'),
      );

      fanout = await bus.subscribe('workspace', 'fanout', fanoutHandler({ catalogue, io, channels, replies, metrics, log, broadcast: (bytes) => flow.broadcast(bytes) }));
      // Channel bookkeeping: one node per record. Deliberately not closed in stop(): the gateway
      // closes the bus right after its modules, and bus.close() flushes what was published (this
      // node's last offline announcements too) before it stops every subscription. Closing it here
      // would strand those records in a work group without members.
      await bus.subscribe('workspace', 'work', channelBookkeeping({ catalogue, store }));
    },

    async stop() {
      stopping = true;
      if (attached) {
        const { io, detach } = attached;
        // Disconnecting runs each socket's presence step (offline announcements go out on the bus
        // before it is closed); then the engine drops what is left and the server is given back.
        io.local.disconnectSockets(true);
        await Promise.allSettled([...sessions].map((s) => s.idle()));
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
