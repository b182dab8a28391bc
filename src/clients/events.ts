// Client of the events API (specs/events.openapi.yaml): emit events to a channel and read them with
// a long poll. The cursor lives on the server under `clientId:channel`; passing `after` stores it
// (the acknowledgement), omitting it reads from the stored one.
import type { operations } from '../../generated/events/openapi';
import type * as Models from '../../generated/events/models';
import { expectShape, ProtocolError, send, type ClientOptions } from './http';

// The generators type a free JSON object as Map / Record<string, never>; on the wire it is a plain object.
type Data = { data?: Record<string, unknown> };
export type EventInput = Omit<Models.EventInput, 'data'> & Data;
export type StoredEvent = Omit<Models.StoredEvent, 'data'> & Data;
type PollQuery = operations['pollEvents']['parameters']['query'];

export interface EventsClientOptions extends ClientOptions {
  /** Names this reader's cursor together with the channel. */
  clientId: string;
  /** The shared `API_SECRET`. */
  secret: string;
}

/** A 400 (missing parameter) or 401 (wrong secret) answer, `{error}`. */
export class EventsApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'EventsApiError';
  }
}

export class EventsClient {
  constructor(private readonly options: EventsClientOptions) {}

  /** Events after the cursor, oldest first; `[]` when the long poll timed out. */
  async poll(channel: string, opts: Pick<PollQuery, 'after' | 'limit'> = {}): Promise<StoredEvent[]> {
    const query: PollQuery = { clientId: this.options.clientId, channel, secret: this.options.secret, ...opts };
    const answer = await send(this.options, '/events/v1/events', { method: 'GET', query: { ...query } });
    const body = ok(answer.status, answer.body);
    if (!Array.isArray(body)) throw new ProtocolError('poll answer', body);
    return body.map(parseStoredEvent);
  }

  /** Stores an event on the channel; answers it with the id and timestamp the server gave it. */
  async emit(channel: string, event: EventInput): Promise<StoredEvent> {
    const json = { clientId: this.options.clientId, channel, secret: this.options.secret, ...event };
    const answer = await send(this.options, '/events/v1/events', { method: 'POST', json });
    return parseStoredEvent(ok(answer.status, answer.body));
  }
}

/** One stored event; `data`, when present, is an object. */
export function parseStoredEvent(value: unknown): StoredEvent {
  const event = expectShape<StoredEvent>('stored event', value, { id: 'number', timestamp: 'number', type: 'string', from: 'string' });
  if (event.data !== undefined) expectShape('stored event data', event.data, {});
  return event;
}

function ok(status: number, body: unknown): unknown {
  if (status === 200) return body;
  const error = expectShape<{ error: string }>(`${status} answer`, body, { error: 'string' });
  throw new EventsApiError(status, error.error);
}
