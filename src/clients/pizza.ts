// Client of the pizza notifications (specs/pizza.*.yaml): take a one-off ticket over REST, open the
// WebSocket with it, and decode its `{event_name, data}` frames.
import type { components } from '../../generated/pizza/openapi';
import type { AcceptPizzaEvent, CreatePizzaEvent } from '../../generated/pizza/models';
import { expectShape, ProtocolError, send, type ClientOptions } from './http';

export type PizzaEvent = CreatePizzaEvent | AcceptPizzaEvent;
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
  const frame = expectShape<{ event_name: string; data: unknown }>('pizza frame', JSON.parse(text), { event_name: 'string' });
  switch (frame.event_name) {
    case 'CREATE_PIZZA': {
      const data = expectShape<CreatePizzaEvent['data']>('CREATE_PIZZA data', frame.data, {
        uuid: 'string', name: 'string', store_id: 'number', price: 'number', accepted: 'boolean', created_date: 'string',
      });
      return { event_name: 'CREATE_PIZZA', data };
    }
    case 'ACCEPT_PIZZA': {
      if (!Array.isArray(frame.data) || !frame.data.every((id) => typeof id === 'string')) throw new ProtocolError('ACCEPT_PIZZA data', frame.data);
      return { event_name: 'ACCEPT_PIZZA', data: frame.data as string[] };
    }
    default:
      throw new ProtocolError('pizza event', frame.event_name);
  }
}
