// The games WebSocket `/?session_key=<JWT>` (games-websocket.md + ORIGINALS.md): one multiplexed
// stream `games` with the gateway's own `subscribe`, `retrieve`, `list` and `join` requests, the
// requests the spec forwards to the game back-end (x-switchyard `forward`), and broadcasts per
// (event, pk).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server } from 'node:http';
import WebSocket, { type RawData } from 'ws';
import type { ApiCatalogue, MessageEntry } from '../../../generated';
import type { GameSnapshot } from '../../../generated/games/models';
import type { Claims } from '../../auth/authenticator';
import type { GatewayContext } from '../context';
import { isKeysUnavailable, verifyOrUndefined } from '../../http/bearer';
import { isUnavailable } from '../../ports/availability';
import type { Envelope, Subscription } from '../../ports/bus';
import type { AcceptedEnvelope } from '../../envelopes/check-envelope';
import { workHandler } from '../../envelopes/validated';
import { buildFrame, getAt } from '../../envelopes/frame';
import { sendable } from '../../envelopes/sendable';
import { describeErrors } from '../../validation/describe-errors';
import { broadcastHandler, type BroadcastTarget } from '../../ws/broadcast';
import { SocketEndpoint } from '../../ws/socket-endpoint';
import { corkForTurn } from '../../ws/turn-cork';
import { requestTarget } from '../../http/request-target';
import { FULL_BUCKET, RateLimit, REFUSED } from '../../limits/token-bucket';
import { deeperThan, tooDeep } from '../../validation/json-depth';
import { ActionProxy } from '../../envelopes/action-proxy';
import { findPlayer, userFromClaims, withPlayer } from './player';
import { ERRORS, GamesError, reply, STREAM, type ReplyError } from './replies';

/**
 * A request as read before it is validated: the original's check order reads `action` and `pk`
 * before the data (spec), so this stays looser than the generated request types (`Actions`).
 */
interface Request {
  action: string;
  pk?: unknown;
  data?: { action?: unknown };
  request_id?: string;
}

/** A socket's identity: its claims, undefined (no valid session key), or not known yet (keys unavailable). */
const KEYS_UNAVAILABLE = Symbol('keys unavailable');
type SessionClaims = Claims | undefined | typeof KEYS_UNAVAILABLE;
const NOT_A_REQUEST = 'Invalid request: expected {"stream": "games", "payload": {"action": "<name>", ...}}';
/** The actions the gateway serves itself; the spec's forwarded requests are found in the catalogue. */
const OWN_ACTIONS = new Set(['subscribe', 'retrieve', 'list', 'join']);

/** Subscribers of one event of one game. */
const group = (event: string, pk: number | string) => `${event}:${pk}`;

/**
 * Requests of one socket waiting for their reply. At this many the socket stops being read (TCP
 * pushes back on the client) until one is answered: a client that sends faster than its requests
 * are served cannot queue without bound.
 */
export const MAX_PENDING_REQUESTS = 32;

export class GamesSockets {
  private readonly endpoint: SocketEndpoint;
  private readonly subscriptions: Subscription[] = [];
  /** By id: replies are looked up by the id a forward rule names. */
  private readonly messages: ApiCatalogue['messages'];
  private readonly rateLimit: RateLimit;
  /** Forwarded requests by action name: the request messages the spec marks x-switchyard `forward`. */
  private readonly forwarded: ReadonlyMap<string, MessageEntry>;
  private readonly proxy: ActionProxy;

  constructor(private readonly ctx: GatewayContext) {
    const { config } = ctx;
    this.endpoint = new SocketEndpoint(ctx, 'games', '/');
    ctx.audiences.register('games', 'sockets', () => this.endpoint.groups.sizes());
    this.messages = ctx.catalogues.games.messages;
    this.rateLimit = new RateLimit(config.wsMessageRate, config.wsMessageBurst);
    this.forwarded = new Map(
      Object.values(this.messages).flatMap((m) => (m.forward && typeof m.consts['/payload/action'] === 'string' ? [[m.consts['/payload/action'], m] as const] : [])),
    );
    this.proxy = new ActionProxy(config.actionBackends, config.actionTimeoutMs);
  }

  async start(server: Server): Promise<void> {
    const { bus } = this.ctx;
    this.endpoint.start(server, (ws, req) => this.connected(ws, req));
    const unconfigured = [...new Set([...this.forwarded.values()].map((m) => m.forward!.backend))].filter((b) => !this.proxy.has(b));
    if (unconfigured.length) {
      this.ctx.log.warn({ backends: unconfigured, actions: [...this.forwarded.keys()] }, 'games: no ACTION_BACKENDS entry for these back-ends; their requests are answered 503');
    }
    const catalogue = this.ctx.catalogues.games;
    this.subscriptions.push(
      ...(await Promise.all([
        // Every node delivers broadcasts to its own sockets...
        bus.subscribe('games', 'fanout', broadcastHandler(this.ctx, 'games', catalogue, this.endpoint.groups, broadcastTarget)),
        // ...and exactly one node keeps the latest snapshot of each game.
        bus.subscribe('games', 'work', workHandler(catalogue, (e, a) => this.keepSnapshot(e, a))),
      ])),
    );
  }

  private connected(ws: WebSocket, req: IncomingMessage): void {
    // A bad or missing session key does not refuse the socket: its requests get 401 (original),
    // until the auth deadline closes it.
    let deadline: NodeJS.Timeout | undefined = this.endpoint.authDeadline.start(ws);
    let sessionKey = requestTarget(req.url).query.get('session_key') ?? undefined;
    // Once verified, the socket keeps its claims rather than a settled promise of them (nor the
    // cleared deadline: that would be kept for the socket's life). While the signing keys cannot be
    // fetched, requests get 503 and the next one checks the key again; once it has been checked, the
    // key goes (a slice of the request URL, it would keep the whole URL for the socket's life).
    const verify = (): Promise<SessionClaims> =>
      verifyOrUndefined(this.ctx.auth, sessionKey).then(
        (c) => {
          if (c) {
            clearTimeout(deadline);
            deadline = undefined;
          }
          sessionKey = undefined;
          return (claims = c);
        },
        (err: unknown) => (claims = isKeysUnavailable(err) ? KEYS_UNAVAILABLE : undefined),
      );
    let claims: Promise<SessionClaims> | SessionClaims = verify();
    let bucket = FULL_BUCKET;
    // Requests are answered in the order they arrive; an idle socket holds no promise.
    let queue: Promise<void> | undefined;
    let pending = 0;
    ws.on('message', (data: RawData, isBinary: boolean) => {
      const taken = this.rateLimit.take(bucket);
      const allowed = taken !== REFUSED;
      if (allowed) bucket = taken;
      const run = () => {
        const text = isBinary ? undefined : data.toString();
        return allowed ? this.handle(ws, text, claims === KEYS_UNAVAILABLE ? verify() : claims) : this.refuse(ws, text);
      };
      if (++pending >= MAX_PENDING_REQUESTS) ws.pause();
      const next = (queue ? queue.then(run) : run()).catch((err: unknown) => this.ctx.log.error({ err }, 'games: request failed'));
      queue = next;
      void next.then(() => {
        if (--pending < MAX_PENDING_REQUESTS && ws.isPaused) ws.resume();
        if (queue === next) queue = undefined;
      });
    });
  }

  /** A request over the socket's message rate: answered 429, not served. */
  private async refuse(ws: WebSocket, text: string | undefined): Promise<void> {
    this.ctx.metrics.limitsHitTotal.inc({ api: 'games', limit: 'message_rate' });
    const parsed = parseRequest(text, this.ctx.config.jsonMaxDepth);
    const { action, requestId } = requestIds(typeof parsed === 'string' ? undefined : parsed.payload);
    const { wsMessageRate, wsMessageBurst } = this.ctx.config;
    const message = `${ERRORS.tooManyRequests}: at most ${wsMessageRate} per second (bursts of ${wsMessageBurst})`;
    this.send(ws, this.messages.errorReply, reply(action, requestId, 429, null, [message]));
  }

  /** `text` is undefined for a binary frame. */
  private async handle(ws: WebSocket, text: string | undefined, claimsOrPromise: Promise<SessionClaims> | SessionClaims): Promise<void> {
    const parsed = parseRequest(text, this.ctx.config.jsonMaxDepth);
    const payload = typeof parsed === 'string' ? undefined : parsed.payload;
    const { action, requestId } = requestIds(payload);
    try {
      if (typeof parsed === 'string') throw new GamesError(400, parsed === 'too_deep' ? tooDeep(this.ctx.config.jsonMaxDepth) : NOT_A_REQUEST, parsed);
      if (action === null) throw new GamesError(400, NOT_A_REQUEST, 'invalid_request');
      // The original's order: authentication, the action, the game, the permission, the data.
      const claims = await claimsOrPromise;
      if (claims === KEYS_UNAVAILABLE) throw new GamesError(503, ERRORS.authUnavailable);
      if (!claims) throw new GamesError(401, ERRORS.permissionDenied);
      await this.perform(ws, parsed.frame, payload as Request, claims);
    } catch (err) {
      // A store outage is logged once, by the store; the client is told to try again.
      const e = err instanceof GamesError ? err : isUnavailable(err) ? new GamesError(503, ERRORS.unavailable) : new GamesError(400, ERRORS.requestFailed);
      if (e.status === 400 && !(err instanceof GamesError)) this.ctx.log.error({ err }, 'games: request failed');
      if (e.badInput) this.ctx.metrics.badInputTotal.inc({ api: STREAM, kind: e.badInput });
      this.send(ws, this.messages.errorReply, reply(action, requestId, e.status, null, [e.message]));
    }
  }

  private async perform(ws: WebSocket, frame: unknown, request: Request, claims: Claims): Promise<void> {
    const requestId = request.request_id ?? null;
    const m = this.messages;
    // A reply of the gateway's own that breaks the spec (e.g. a stored game that does not) is not
    // sent; the client is answered as for any request that failed on the gateway's side.
    const answer = (entry: MessageEntry, frame: unknown) => {
      if (!this.send(ws, entry, frame, { action: request.action })) throw new GamesError(400, ERRORS.requestFailed);
    };
    const forwarded = this.forwarded.get(request.action);
    if (forwarded) return this.forward(ws, frame, request, claims, forwarded);
    if (!OWN_ACTIONS.has(request.action)) throw new GamesError(400, ERRORS.invalidAction, 'invalid_action');
    switch (request.action) {
      case 'subscribe': {
        if (request.data?.action === undefined) throw new GamesError(400, ERRORS.actionRequired, 'invalid_request');
        if (!m.subscribeRequest.validate(frame)) throw invalid(m.subscribeRequest.validate.errors);
        const event = request.data.action as string;
        const key = group(event, request.pk as number);
        const max = this.ctx.config.wsMaxSubscriptions;
        const groups = this.endpoint.groups;
        if (!groups.has(key, ws) && groups.countOf(ws) >= max) {
          this.ctx.metrics.limitsHitTotal.inc({ api: 'games', limit: 'subscriptions' });
          throw new GamesError(400, `${ERRORS.tooManySubscriptions}: at most ${max} per socket`);
        }
        groups.add(key, ws);
        return answer(m.subscribeReply, reply('subscribe', requestId, 200, { action: event }));
      }
      case 'list': {
        if (!m.listRequest.validate(frame)) throw invalid(m.listRequest.validate.errors);
        const games = (await this.ctx.store.snapshots.list()).map((s) => s.value).sort((a, b) => a.id - b.id);
        return answer(m.listReply, reply('list', requestId, 200, games));
      }
      case 'retrieve': {
        const game = await this.game(request.pk);
        if (!m.retrieveRequest.validate(frame)) throw invalid(m.retrieveRequest.validate.errors);
        return answer(m.retrieveReply, reply('retrieve', requestId, 200, game));
      }
      default: {
        // join, the last of OWN_ACTIONS
        await this.game(request.pk);
        if (!m.joinRequest.validate(frame)) throw invalid(m.joinRequest.validate.errors);
        return answer(m.joinReply, reply('join', requestId, 200, await this.join(request.pk as number, claims)));
      }
    }
  }

  /** The stored game of a request's pk: 404 when there is none, or the pk is not an integer (as in the original). */
  private async game(pk: unknown): Promise<GameSnapshot> {
    const game = Number.isInteger(pk) ? await this.ctx.store.snapshots.get(String(pk)) : undefined;
    if (!game) throw new GamesError(404, ERRORS.notFound);
    return game;
  }

  /**
   * A request the spec forwards: POSTed to its back-end with the caller's claims and the stored
   * snapshot, and the back-end's answer relayed once this node has delivered the broadcasts
   * published before it (the original sent them before the reply).
   */
  private async forward(ws: WebSocket, frame: unknown, request: Request, claims: Claims, entry: MessageEntry): Promise<void> {
    const rule = entry.forward!;
    const requestId = request.request_id ?? null;
    if (!entry.validate(frame)) throw invalid(entry.validate.errors);
    const key = rule.snapshot === null ? undefined : getAt(frame, rule.snapshot);
    const snapshot = Number.isInteger(key) || (typeof key === 'string' && key !== '') ? await this.ctx.store.snapshots.get(String(key)) : undefined;
    const { answer, outcome } = await this.proxy.forward(rule.backend, {
      api: 'games', action: request.action, request_id: requestId, payload: request, user: claims, snapshot: snapshot ?? null,
    });
    this.ctx.metrics.forwardedRequestsTotal.inc({ api: 'games', action: request.action, outcome });
    if (outcome !== 'answered') this.ctx.log.warn({ action: request.action, backend: rule.backend, outcome }, 'games: forwarded request failed');
    await this.settled();
    const ok = answer.status === 200;
    const out = ok ? reply(request.action, requestId, 200, answer.data) : reply(request.action, requestId, answer.status, null, answer.errors as ReplyError[]);
    if (!this.send(ws, ok ? this.messages[rule.reply] : this.messages.errorReply, out, { action: request.action, backend: rule.backend })) {
      this.ctx.metrics.forwardedRequestsTotal.inc({ api: 'games', action: request.action, outcome: 'bad_answer' });
      throw new GamesError(502, `${request.action}: the game back-end's answer is not a valid reply`);
    }
  }

  /** Adds the token's user to the game once; announces a new player on the bus. */
  private async join(pk: number, claims: Claims): Promise<GameSnapshot> {
    const { store, bus } = this.ctx;
    const user = userFromClaims(claims);
    const current = await store.snapshots.get(String(pk));
    if (!current) throw new GamesError(404, ERRORS.notFound);
    if (findPlayer(current, user)) return current;

    // Any state: the original let players join a running game.
    let added = false; // set by the run of `change` whose result is stored
    const game = await store.snapshots.update(String(pk), (g) => {
      added = !!g && !findPlayer(g, user);
      return added ? withPlayer(g!, user, new Date()).game : undefined;
    });
    if (!game) throw new GamesError(404, ERRORS.notFound);
    const player = findPlayer(game, user)!;
    if (added) {
      // The game service learns of the join from the bus; the same records fan out to subscribers.
      const to = { pk };
      await bus.publish('games', envelope('join', to, player));
      await bus.publish('games', envelope('update', to, game));
      // As in the original, the broadcasts reach this node's subscribers before the reply.
      await this.settled();
    }
    return game;
  }

  /**
   * Waits until this node has delivered the broadcasts published so far, at most ACTION_TIMEOUT_MS:
   * a bus that cannot tell (a broker outage) delays a reply, never withholds it.
   */
  private async settled(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, this.ctx.config.actionTimeoutMs)));
    try {
      await Promise.race([this.ctx.bus.settled('games'), bound]);
    } catch (err) {
      this.ctx.log.warn({ err }, 'games: cannot tell whether earlier broadcasts were delivered; replying anyway');
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * A published game snapshot (any broadcast whose data is a GameSnapshot) becomes the game's
   * stored state, unless the stored one is newer: the gateway's own joins update it in between.
   * Players the stored snapshot has and the published one lacks are kept: only joins add players,
   * and a back-end that built its snapshot before a join (it answers a forwarded request from the
   * snapshot it was sent) must not undo it.
   */
  private async keepSnapshot(e: Envelope, check: AcceptedEnvelope): Promise<void> {
    if (!this.messages.update.publish!.validateData(e.data)) return;
    const incoming = e.data as GameSnapshot;
    await this.ctx.store.snapshots.update(check.value, (current) => {
      if (current && Date.parse(incoming.updated_at) < Date.parse(current.updated_at)) return undefined;
      const joined = (current?.players ?? []).filter((p) => !findPlayer(incoming, p.user));
      return joined.length ? { ...incoming, players: [...incoming.players, ...joined] } : incoming;
    });
  }

  /** Every reply is checked against its spec message before it leaves: false when it breaks it (not sent). */
  private send(ws: WebSocket, entry: MessageEntry, frame: unknown, context?: Record<string, unknown>): boolean {
    if (!sendable(this.ctx, 'games', entry, frame, context)) return false;
    if (ws.readyState !== WebSocket.OPEN) return true;
    corkForTurn(ws); // in one write with the broadcasts of this turn
    ws.send(JSON.stringify(frame));
    // Replies count against the socket's send budget like broadcasts: a client that sends requests
    // and never reads their replies is cut off too.
    this.endpoint.budget.check(ws);
    return true;
  }

  async stop(): Promise<void> {
    for (const s of this.subscriptions) await s.close();
    await this.endpoint.stop();
  }
}

/** A broadcast reaches the subscribers of (event, pk), framed as the original: with `payload.pk` of the game. */
function broadcastTarget({ entry, value }: AcceptedEnvelope): BroadcastTarget | undefined {
  if (!/^\d+$/.test(value)) return undefined; // the spec's pk is an integer
  return { group: group(entry.name, value), extra: pkOf(Number(value)) };
}

const pkOf = (pk: number) => ({ '/payload/pk': pk });

/** A broadcast as the original sends it: the spec's consts, the data, and `payload.pk` of the game. */
export function broadcastFrame(entry: MessageEntry, data: unknown, pk: number): unknown {
  return buildFrame(entry, data, pkOf(pk));
}

/** What a reply echoes of a request: its action and request_id, when they are strings. */
function requestIds(payload: Partial<Request> | undefined): { action: string | null; requestId: string | null } {
  return {
    action: typeof payload?.action === 'string' ? payload.action : null,
    requestId: typeof payload?.request_id === 'string' ? payload.request_id : null,
  };
}

/**
 * The frame and its payload when the text is `{"stream": "games", "payload": {...}}`; otherwise why
 * not (the depth is checked before anything walks the frame).
 */
function parseRequest(
  text: string | undefined,
  maxDepth: number,
): { frame: unknown; payload: Partial<Request> } | 'binary_frame' | 'invalid_json' | 'too_deep' | 'not_a_request' {
  if (text === undefined) return 'binary_frame';
  let frame: unknown;
  try {
    frame = JSON.parse(text);
  } catch {
    return 'invalid_json';
  }
  if (deeperThan(frame, maxDepth)) return 'too_deep';
  if (typeof frame !== 'object' || frame === null) return 'not_a_request';
  const { stream, payload } = frame as { stream?: unknown; payload?: unknown };
  if (stream !== STREAM || typeof payload !== 'object' || payload === null) return 'not_a_request';
  return { frame, payload: payload as Partial<Request> };
}

function invalid(errors: Parameters<typeof describeErrors>[0]): GamesError {
  return new GamesError(400, describeErrors(errors).join('; ') || 'Invalid request', 'invalid_request');
}

function envelope(message: string, to: { pk: number }, data: unknown): Envelope {
  return { id: randomUUID(), message, to, data };
}
