// Client of the pizza notifications (specs/pizza.*.yaml): take a one-off ticket over REST, open the
// WebSocket with it, and decode its `{event_name, data}` frames.
import type { ValidateFunction } from 'ajv';
import { catalogues } from '../../generated';
import type { components } from '../../generated/pizza/openapi';
import { expectShape, ProtocolError, send, type ClientOptions } from './http';

type SocketMessage = Extract<(typeof catalogues.pizza.messages)[keyof typeof catalogues.pizza.messages], { direction: 'send' }>;
/** Every frame the store socket sends, from the generated catalogue: a message added to the spec is one. */
export type PizzaEvent = SocketMessage['validate'] extends infer V ? (V extends ValidateFunction<infer T> ? T : never) : never;
/** The `event_name` of every frame, from the messages' consts. */
const EVENT_NAMES: ReadonlySet<unknown> = new Set(Object.values(catalogues.pizza.messages).flatMap((m) => (m.direction === 'send' ? [m.consts['/event_name']] : [])));
type TicketIssued = components['schemas']['TicketIssued'];
type TicketError = components['schemas']['TicketError'];

export interface PizzaClientOptions extends ClientOptions {
  /** The back-office user's JWT; its `store_id` picks the store whose events the socket hears. */
  token: string;
}

/** 401 `{success: false, error: "Wrong authorization data"}`. */
export class PizzaAuthError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'PizzaAuthError';
  }
}

export interface Ticket {
  ticket: string;
  /** `ws(s)://.../ws?key=<ticket>`: use it once, within the ticket's validity. */
  socketUrl: string;
}

export class PizzaClient {
  constructor(private readonly options: PizzaClientOptions) {}

  async ticket(): Promise<Ticket> {
    const { status, body } = await send(this.options, '/api/v1/ws/ticket', {
      method: 'GET',
      headers: { authorization: `Bearer ${this.options.token}` },
    });
    if (status !== 200) {
      const failed = expectShape<TicketError>(`${status} answer`, body, { success: 'boolean', error: 'string' });
      throw new PizzaAuthError(status, failed.error);
    }
    const issued = expectShape<TicketIssued>('ticket', body, { success: 'boolean', token: 'string' });
    const url = new URL('/ws', this.options.baseUrl);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    url.searchParams.set('key', issued.token);
    return { ticket: issued.token, socketUrl: url.toString() };
  }
}

/** One text frame of the store socket. */
export function parsePizzaFrame(text: string): PizzaEvent {
  // Like every client here it checks only what it relies on: a known event_name and a data field.
  const frame = expectShape<PizzaEvent>('pizza frame', JSON.parse(text), { event_name: 'string' });
  if (!EVENT_NAMES.has(frame.event_name)) throw new ProtocolError('pizza event', frame.event_name);
  if (frame.data === undefined || frame.data === null) throw new ProtocolError(`${frame.event_name} data`, frame.data);
  return frame;
}
