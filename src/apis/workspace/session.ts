// One socket.io connection of the workspace API: `auth`, errors for anything else, presence on
// disconnect. A socket's `auth`s and its disconnect run one after another (a small promise chain),
// so a disconnect during a pending `auth` cannot leave a presence count behind, and two `auth`s in
// flight cannot interleave their room changes.
//
// After `auth`, `online-status-updated` is announced to the workspace and this node's delivery of it
// awaited (deliveries.ts) before `auth-success`, the original's order. With `prevSocketId` naming
// the user's earlier socket that is still counted, this socket takes its place (`reconnected`).
//
// `logout` disconnects the socket. `conversation-broadcast` is published to the channel the socket
// has selected, which the gateway learns from `user-selected-channel` published with its `socketId`.
//
// A second `auth` on an authenticated socket re-authenticates: on success the socket leaves every
// room of its previous identity, joins the new ones and gets `auth-success` again. Presence is
// announced only when it changed: a new workspace or user (the previous one is counted out first and
// announced offline when that was its last socket) or a new status. Repeating the same `auth` is
// not news to the workspace: announcing it each time made one client's loop of `auth`s a
// delivery to every member per repeat. A failed `auth` changes nothing: the socket keeps its
// previous identity, if any, and only gets the error.
//
// Limits: a socket that has not authenticated within WS_AUTH_TIMEOUT_MS gets an `auth` error and is
// disconnected; events beyond the socket's message rate (`auth` included) get an error and are dropped.
import { randomUUID } from 'node:crypto';
import type { Socket } from 'socket.io';
import type { ValidateFunction } from 'ajv';
import type { Auth } from '../../../generated/workspace/models';
import type { Authenticator } from '../../auth/authenticator';
import { FULL_BUCKET, REFUSED, type RateLimit } from '../../limits/token-bucket';
import type { Logger } from '../../log';
import type { Metrics } from '../../metrics';
import { isUnavailable } from '../../ports/availability';
import { AUTH_EVENT, authenticate, ERRORS, type Identity } from './auth';
import type { Deliveries } from './deliveries';
import { transactionOf, type Replies } from './frames';
import type { Presence } from './presence';

export const LOGOUT_EVENT = 'logout';
export const CONVERSATION_BROADCAST = 'conversation-broadcast';

export interface SessionDeps {
  validateAuth: ValidateFunction<Auth>;
  validateBroadcast: ValidateFunction;
  /** Publishes an event the gateway itself produces (presence.ts publishEvent, bound). */
  publish(message: string, to: Record<string, string>, data: unknown): Promise<void>;
  deliveries: Deliveries;
  auth: Authenticator;
  presence: Presence;
  replies: Replies;
  log: Logger;
  metrics: Metrics;
  authTimeoutMs: number;
  rateLimit: RateLimit;
}

export class Session {
  private identity: Identity | undefined;
  private tail: Promise<void> = Promise.resolve();
  private bucket = FULL_BUCKET;
  private deadline: NodeJS.Timeout | undefined;
  /** The channel this socket has selected, as the app's `user-selected-channel` said. */
  private selectedChannel: string | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly deps: SessionDeps,
  ) {
    this.deadline = setTimeout(() => this.authExpired(), deps.authTimeoutMs).unref();
  }

  get authenticated(): boolean {
    return this.identity !== undefined;
  }

  get userId(): string | undefined {
    return this.identity?.userId;
  }

  /** `user-selected-channel` (a channel id) or `user-unselected-channel` (undefined) of this socket. */
  select(channelId: string | undefined, unselected?: string): void {
    if (channelId !== undefined || this.selectedChannel === unselected) this.selectedChannel = channelId;
  }

  /** Resolves when every queued step of this socket has finished. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Every client event, before it is handled: false (and an error sent) when it is over the rate. */
  allow(event: string, data: unknown): boolean {
    const { metrics, replies, rateLimit } = this.deps;
    const taken = rateLimit.take(this.bucket);
    if (taken !== REFUSED) {
      this.bucket = taken;
      return true;
    }
    metrics.limitsHitTotal.inc({ api: 'workspace', limit: 'message_rate' });
    replies.error(this.socket, event, ERRORS.tooManyEvents(rateLimit.ratePerSecond, rateLimit.burst), transactionOf(data));
    return false;
  }

  /** Also lets the timer go: a socket keeps no cleared Timeout for its whole life. */
  private clearDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }

  private authExpired(): void {
    this.deadline = undefined;
    if (this.identity || !this.socket.connected) return;
    this.deps.metrics.limitsHitTotal.inc({ api: 'workspace', limit: 'auth_timeout' });
    this.deps.replies.error(this.socket, AUTH_EVENT, ERRORS.authTimeout, undefined);
    this.socket.disconnect(true);
  }

  /** `logout`: disconnects (its presence step runs as for any disconnect). Before `auth`: refused. */
  onLogout(data: unknown): void {
    if (!this.identity) return this.rejectEvent(LOGOUT_EVENT, data);
    this.socket.disconnect(true);
  }

  /**
   * `conversation-broadcast`: with the sender's `userId`, to the socket's selected channel. Checked
   * at once (its errors keep the order of the socket's events); only the publish is asynchronous.
   */
  onConversationBroadcast(data: unknown): Promise<void> {
    const { identity, selectedChannel, deps, socket } = this;
    const transaction = transactionOf(data);
    const fail = (message: string) => deps.replies.error(socket, CONVERSATION_BROADCAST, message, transaction);
    if (!identity) return Promise.resolve(this.rejectEvent(CONVERSATION_BROADCAST, data));
    if (!deps.validateBroadcast(data)) {
      deps.metrics.badInputTotal.inc({ api: 'workspace', kind: 'invalid_data' });
      return Promise.resolve(fail(ERRORS.invalidEventData(CONVERSATION_BROADCAST)));
    }
    if (selectedChannel === undefined) return Promise.resolve(fail(ERRORS.noChannel));
    return deps.publish(CONVERSATION_BROADCAST, { channelId: selectedChannel }, { ...(data as object), userId: identity.userId }).catch((err: unknown) => {
      deps.log.error({ err, socket: socket.id }, 'workspace: conversation-broadcast failed');
      if (socket.connected) fail(ERRORS.internal);
    });
  }

  /** A client event the gateway does not know, or any event but `auth` before `auth`: refused. */
  rejectEvent(event: string, data: unknown): void {
    const message = this.identity ? ERRORS.unknownEvent(event) : ERRORS.unauthorized;
    this.deps.replies.error(this.socket, event, message, transactionOf(data));
  }

  onAuth(data: unknown): Promise<void> {
    return this.enqueue('auth', () => this.auth(data), transactionOf(data));
  }

  onDisconnect(): Promise<void> {
    this.clearDeadline();
    return this.enqueue('disconnect', () => this.leave());
  }

  private enqueue(step: string, run: () => Promise<void>, transaction?: string): Promise<void> {
    this.tail = this.tail.then(run).catch((err: unknown) => {
      // A store or bus outage is logged once, by the store or bus, not per socket.
      if (!isUnavailable(err)) this.deps.log.error({ err, socket: this.socket.id, step }, 'workspace: socket step failed');
      if (step === AUTH_EVENT && this.socket.connected) this.deps.replies.error(this.socket, AUTH_EVENT, ERRORS.internal, transaction);
    });
    return this.tail;
  }

  private async auth(data: unknown): Promise<void> {
    const { socket, deps } = this;
    const transaction = transactionOf(data);
    const outcome = await authenticate(deps.validateAuth, deps.auth, data);
    if (!socket.connected) return;
    if (!outcome.ok) {
      // A malformed payload is bad input; a refused token is an authentication failure, not counted here.
      if (outcome.message === ERRORS.invalidData) deps.metrics.badInputTotal.inc({ api: 'workspace', kind: 'invalid_data' });
      deps.replies.error(socket, AUTH_EVENT, outcome.message, transaction);
      return;
    }
    const next = outcome.identity;
    const previous = this.identity;
    const sameMember = previous !== undefined && previous.workspaceId === next.workspaceId && previous.userId === next.userId;
    if (previous) {
      for (const room of [...socket.rooms]) if (room !== socket.id) socket.leave(room);
      if (!sameMember) {
        this.identity = undefined;
        await deps.presence.down(previous, socket.id);
      }
    }
    if (!socket.connected) return; // joining now would leave rooms behind a closed socket
    socket.join(outcome.rooms);
    this.identity = next;
    if (!sameMember) this.selectedChannel = undefined;
    this.clearDeadline();
    const count = await deps.presence.up(next, socket.id);
    const prev = outcome.prevSocketId;
    const reconnected = prev !== undefined && prev !== socket.id && (await deps.presence.takeOver(next, prev, count));
    if (!socket.connected) return; // its disconnect step, queued behind this one, counts it out
    if (!sameMember || previous.onlineStatus !== next.onlineStatus) {
      // Announced first, auth-success once this node has delivered it (unless nothing is new).
      const id = randomUUID();
      const delivered = deps.deliveries.wait(id);
      await deps.presence.announce(next, next.onlineStatus, id);
      await delivered;
      if (!socket.connected) return;
    }
    deps.replies.authenticated(socket, { userId: next.userId, reconnected, onlineStatus: next.onlineStatus }, transaction);
  }

  private async leave(): Promise<void> {
    const identity = this.identity;
    this.identity = undefined;
    if (identity) await this.deps.presence.down(identity, this.socket.id);
  }
}
