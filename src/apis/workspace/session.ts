// One socket.io connection of the workspace API: `auth`, errors for anything else, presence on
// disconnect. A socket's `auth`s and its disconnect run one after another (a small promise chain),
// so a disconnect during a pending `auth` cannot leave a presence count behind, and two `auth`s in
// flight cannot interleave their room changes.
//
// A second `auth` on an authenticated socket re-authenticates: on success the socket leaves every
// room of its previous identity, joins the new ones and gets `auth-success` again, and the new
// status is announced (if the workspace or user changed, the previous one is counted out first and
// announced offline when that was its last socket). A failed `auth` changes nothing: the socket
// keeps its previous identity, if any, and only gets the error.
import type { Socket } from 'socket.io';
import type { ValidateFunction } from 'ajv';
import type { Authenticator } from '../../auth/authenticator';
import type { Logger } from '../../log';
import { isUnavailable } from '../../ports/availability';
import { AUTH_EVENT, authenticate, ERRORS, type Identity } from './auth';
import { transactionOf, type Replies } from './frames';
import type { Presence } from './presence';

export interface SessionDeps {
  validateAuth: ValidateFunction;
  auth: Authenticator;
  presence: Presence;
  replies: Replies;
  log: Logger;
}

export class Session {
  private identity: Identity | undefined;
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly deps: SessionDeps,
  ) {}

  get authenticated(): boolean {
    return this.identity !== undefined;
  }

  /** Resolves when every queued step of this socket has finished. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** A client event other than `auth` (socket.io `onAny`). */
  rejectEvent(event: string, data: unknown): void {
    const message = this.identity ? ERRORS.unknownEvent(event) : ERRORS.unauthorized;
    this.deps.replies.error(this.socket, event, message, transactionOf(data));
  }

  onAuth(data: unknown): Promise<void> {
    return this.enqueue('auth', () => this.auth(data), transactionOf(data));
  }

  onDisconnect(): Promise<void> {
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
      deps.replies.error(socket, AUTH_EVENT, outcome.message, transaction);
      return;
    }
    const next = outcome.identity;
    const previous = this.identity;
    if (previous) {
      for (const room of [...socket.rooms]) if (room !== socket.id) socket.leave(room);
      if (previous.workspaceId !== next.workspaceId || previous.userId !== next.userId) {
        this.identity = undefined;
        await deps.presence.down(previous, socket.id);
      }
    }
    if (!socket.connected) return; // joining now would leave rooms behind a closed socket
    socket.join(outcome.rooms);
    this.identity = next;
    await deps.presence.up(next, socket.id);
    if (!socket.connected) return; // its disconnect step, queued behind this one, counts it out
    deps.replies.authenticated(socket, next.userId, transaction);
    await deps.presence.announce(next, next.onlineStatus);
  }

  private async leave(): Promise<void> {
    const identity = this.identity;
    this.identity = undefined;
    if (identity) await this.deps.presence.down(identity, this.socket.id);
  }
}
