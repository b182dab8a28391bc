// A socket's own replies (`auth-success`, `socket-api-error`, `socket-api-error-<transaction>`),
// each checked against its spec message before it is emitted (envelopes/sendable.ts).
import type { ApiCatalogue, MessageEntry } from '../../../generated';
import type * as M from '../../../generated/workspace/models';
import { sendable, type SendableDeps } from '../../envelopes/sendable';

/** `auth-success` but its `transaction` (that is the request's). */
export type AuthSuccess = Omit<M.AuthSuccess, 'transaction'>;

/** What a reply needs of a socket.io socket (a fake in unit tests). */
export interface Emitter {
  readonly id: string;
  emit(event: string, payload: unknown): unknown;
}


/** A string `transaction` of an event's data, if it carried one. */
export function transactionOf(data: unknown): string | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const transaction = (data as Record<string, unknown>).transaction;
  return typeof transaction === 'string' ? transaction : undefined;
}

/**
 * True when `value` holds binary data (socket.io clients may attach Buffers/ArrayBuffers to any
 * event): every workspace event is JSON, and a Buffer would otherwise pass for an object. Called
 * after the depth check, so the recursion is bounded.
 */
export function hasBinary(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return true;
  return Object.values(value).some(hasBinary);
}

export class Replies {
  private readonly authSuccess: MessageEntry;
  private readonly apiError: MessageEntry;
  private readonly transactionError: MessageEntry;

  constructor(
    catalogue: ApiCatalogue,
    private readonly deps: SendableDeps,
  ) {
    this.authSuccess = entryOf(catalogue, 'auth-success');
    this.apiError = entryOf(catalogue, 'socket-api-error');
    this.transactionError = entryOf(catalogue, 'socket-api-error-transaction');
  }

  authenticated(socket: Emitter, success: AuthSuccess, transaction: string | undefined): void {
    const payload = transaction === undefined ? success : { transaction, ...success };
    if (this.sendable(this.authSuccess, payload, socket)) socket.emit(this.authSuccess.name, payload);
  }

  /** `socket-api-error {event, message}`, plus `socket-api-error-<transaction> {message}` when given. */
  error(socket: Emitter, event: string, message: string, transaction: string | undefined): void {
    const payload = { event, message };
    if (this.sendable(this.apiError, payload, socket)) socket.emit(this.apiError.name, payload);
    if (transaction === undefined) return;
    const scoped = { message };
    if (this.sendable(this.transactionError, scoped, socket)) socket.emit(`socket-api-error-${transaction}`, scoped);
  }

  private sendable(entry: MessageEntry, payload: unknown, socket: Emitter): boolean {
    return sendable(this.deps, 'workspace', entry, payload, { socket: socket.id });
  }
}

function entryOf(catalogue: ApiCatalogue, id: string): MessageEntry {
  const entry = catalogue.messages[id];
  if (!entry) throw new Error(`workspace catalogue has no message "${id}"`);
  return entry;
}
