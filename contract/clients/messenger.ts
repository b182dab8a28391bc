// Client of the messenger event API (specs/messenger.*.yaml): register a callback URL, or long-poll
// for the user's events; and the decoder for the `{type, event}` bodies POSTed to a callback URL.
// Parameters go form-encoded by default, as the original clients send them; JSON works too.
import type { components } from '../../generated/messenger/openapi';
import type { CallbackDeprecatedEvent, NewMessageEvent } from '../../generated/messenger/models';
import { expectShape, ProtocolError, send, type ClientOptions } from './http';

export type MessengerEvent = NewMessageEvent | CallbackDeprecatedEvent;
type CodeError = components['schemas']['CodeError'];

export interface MessengerClientOptions extends ClientOptions {
  /** The user's JWT; its `sub` is the user id (`to_id` of the user's events). */
  token: string;
  /** Body encoding; default `form`. */
  encoding?: 'form' | 'json';
}

/** A `{code, response}` error answer: -1 Invalid token (401), -3 Parameters are invalid (400). */
export class MessengerError extends Error {
  constructor(readonly status: number, readonly code: number, response: string) {
    super(response);
    this.name = 'MessengerError';
  }
}

const SUCCESS = 10;

export class MessengerClient {
  constructor(private readonly options: MessengerClientOptions) {}

  /** From now on the user's events are POSTed to `callback` (see parseMessengerEvent). */
  async startCallback(callback: string): Promise<void> {
    const body = await this.post('/events/callback/start', { token: this.options.token, callback });
    expectShape('callback start answer', body, { code: 'number' });
  }

  /** The user's next event, or undefined when the poll timed out (204: poll again). */
  async poll(): Promise<MessengerEvent | undefined> {
    const { status, body } = await this.send('/events/polling', { token: this.options.token });
    return status === 204 ? undefined : parsePollAnswer(succeeded(status, body));
  }

  private async post(path: string, params: Record<string, string>): Promise<unknown> {
    const { status, body } = await this.send(path, params);
    return succeeded(status, body);
  }

  private send(path: string, params: Record<string, string>) {
    const encoded = this.options.encoding === 'json' ? { json: params } : { form: params };
    return send(this.options, path, { method: 'POST', ...encoded });
  }
}

/** The body of a `code: 10` answer; a `{code, response}` error is thrown as a MessengerError. */
function succeeded(status: number, body: unknown): unknown {
  const coded = expectShape<CodeError | { code: typeof SUCCESS }>(`${status} answer`, body, { code: 'number' });
  if (status === 200 && coded.code === SUCCESS) return body;
  const error = expectShape<CodeError>(`${status} answer`, body, { code: 'number', response: 'string' });
  throw new MessengerError(status, error.code, error.response);
}

/** A poll answer `{code: 10, type, event}`: the event (a timeout is a 204 without a body, not an answer). */
export function parsePollAnswer(value: unknown): MessengerEvent {
  expectShape('poll answer', value, { code: 'number' });
  return parseMessengerEvent(value);
}

/** A callback body `{type, event}` (or a poll answer, whose extra `code` is ignored). */
export function parseMessengerEvent(value: unknown): MessengerEvent {
  const body = expectShape<{ type: string; event: unknown }>('messenger event', value, { type: 'string', event: 'object' });
  switch (body.type) {
    case 'new_message': {
      const event = expectShape<NewMessageEvent['event']>('new_message', body.event, {
        message_id: 'number', to_id: 'number', from_id: 'number', created_at: 'number', text: 'string',
      });
      return { type: 'new_message', event };
    }
    case 'callback_deprecated': {
      const event = expectShape<CallbackDeprecatedEvent['event']>('callback_deprecated', body.event, { old_callback: 'string', new_callback: 'string' });
      return { type: 'callback_deprecated', event };
    }
    default:
      throw new ProtocolError('messenger event type', body.type);
  }
}
