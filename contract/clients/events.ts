// Client of the events API (specs/events.openapi.yaml): emit events to a channel and read them with
// a long poll. The cursor lives on the server under `clientId:channel`; passing `after` stores it
// (the acknowledgement), omitting it reads from the stored one.
import type { operations } from '../../generated/events/openapi';
import type * as Models from '../../generated/events/models';
import { expectShape, ProtocolError, send, type ClientOptions } from './http';

// The generators type free JSON as Map / Record<string, never>; on the wire it is a plain object or an array.
type Data = { data?: Record<string, unknown> | unknown[] };
export type EventInput = Omit<Models.EventInput, 'data'> & Data;
export type StoredEvent = Omit<Models.StoredEvent, 'data'> & Data;
type PollQuery = operations['pollEvents']['parameters']['query'];
type LatestQuery = operations['latestEvents']['parameters']['query'];

export interface EventsClientOptions extends ClientOptions {
  /** Names this reader's cursor together with the channel. */
  clientId: string;
  /** The shared `API_SECRET`. */
  secret: string;
}

/** An error answer `{code, message}`: 400 `InvalidContent` (which field), 401 `InvalidCredentialsError`. */
export class EventsApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'EventsApiError';
  }
}

export class EventsClient {
  constructor(private readonly options: EventsClientOptions) {}

  /** Events after the cursor, oldest first; `[]` when the long poll timed out. */
  async poll(channel: string, opts: Pick<PollQuery, 'after' | 'limit'> = {}): Promise<StoredEvent[]> {
    const query: PollQuery = { clientId: this.options.clientId, channel, secret: this.options.secret, ...opts };
    return eventList(await send(this.options, '/events/v1/events', { method: 'GET', query: { ...query } }));
  }

  /** The newest `limit` events of the channel (default 100), oldest first; the cursor is untouched. */
  async latest(channel: string, limit?: number): Promise<StoredEvent[]> {
    const query: LatestQuery = { channel, secret: this.options.secret, ...(limit === undefined ? {} : { limit }) };
    return eventList(await send(this.options, '/events/v1/latest', { method: 'GET', query: { ...query } }));
  }

  /** Stores an event on the channel; answers it with the id and timestamp the server gave it. */
  async emit(channel: string, event: EventInput): Promise<StoredEvent> {
    const json = { clientId: this.options.clientId, channel, secret: this.options.secret, ...event };
    const answer = await send(this.options, '/events/v1/events', { method: 'POST', json });
    return parseStoredEvent(ok(answer.status, answer.body));
  }
}

/** One stored event; `data`, when present, is an object or an array. */
export function parseStoredEvent(value: unknown): StoredEvent {
  return expectShape<StoredEvent>('stored event', value, { id: 'number', timestamp: 'number', type: 'string', from: 'string', data: 'undefined|object|array' });
}

function eventList(answer: { status: number; body: unknown }): StoredEvent[] {
  const body = ok(answer.status, answer.body);
  if (!Array.isArray(body)) throw new ProtocolError('event list', body);
  return body.map(parseStoredEvent);
}

function ok(status: number, body: unknown): unknown {
  if (status === 200) return body;
  const error = expectShape<{ code: string; message: string }>(`${status} answer`, body, { code: 'string', message: 'string' });
  throw new EventsApiError(status, error.code, error.message);
}
