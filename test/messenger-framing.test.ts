// The messenger frame `{type, event}` is built from the catalogue alone, and validated before it is sent.
import Ajv from 'ajv/dist/2020';
import pino from 'pino';
import { catalogues, type ApiCatalogue, type MessageEntry } from '../generated';
import { frameEvent, messageNamed, sendableEvent } from '../src/apis/messenger/framing';
import { Metrics } from '../src/metrics';
import { newMessage } from './helpers/webhook-receiver';

const catalogue: ApiCatalogue = catalogues.messenger;

describe('messenger framing', () => {
  it('frames every publishable message as {type: name, event: data}', () => {
    const publishable = Object.values(catalogue.messages).filter((m) => m.publish);
    expect(publishable.map((m) => m.name)).toContain('new_message');
    const framed = frameEvent(catalogue.messages.new_message, newMessage(12));
    expect(framed).toEqual({
      body: { type: 'new_message', event: newMessage(12) },
      serialized: JSON.stringify({ type: 'new_message', event: newMessage(12) }),
    });
  });

  it('frames the gateway-produced callback_deprecated the same way', () => {
    const entry = messageNamed(catalogue, 'callback_deprecated');
    const event = { old_callback: 'https://203.0.113.10:8443/', new_callback: 'https://198.51.100.7:8443/events' };
    const framed = frameEvent(entry, event);
    expect(framed.body).toEqual({ type: 'callback_deprecated', event });
  });

  it('sendableEvent refuses (logs and counts) data that breaks the message schema, and passes the rest', async () => {
    const logged: Array<Record<string, unknown>> = [];
    const deps = { log: pino({ level: 'error' }, { write: (line: string) => void logged.push(JSON.parse(line)) }), metrics: new Metrics({ defaultMetrics: false }) };
    expect(sendableEvent(deps, catalogue.messages.new_message, newMessage(1), { id: 'e0' })).toEqual(frameEvent(catalogue.messages.new_message, newMessage(1)));
    expect(sendableEvent(deps, catalogue.messages.new_message, { ...newMessage(1), text: 5 }, { id: 'e1' })).toBeUndefined();
    const deprecated = messageNamed(catalogue, 'callback_deprecated');
    expect(sendableEvent(deps, deprecated, { old_callback: 'not a uri', new_callback: 'https://a/' }, { user: 'u' })).toBeUndefined();
    expect(logged).toEqual([
      expect.objectContaining({ api: 'messenger', message: 'new_message', id: 'e1', errors: [expect.stringMatching(/^\/event\/text/)] }),
      expect.objectContaining({ api: 'messenger', message: deprecated.id, user: 'u' }),
    ]);
    const text = await deps.metrics.text();
    expect(text).toContain('outgoing_invalid_total{api="messenger",message="new_message"} 1');
    expect(text).toContain(`outgoing_invalid_total{api="messenger",message="${deprecated.id}"} 1`);
  });

  it('follows the catalogue, not message names: consts and data pointer of any entry', () => {
    const ajv = new Ajv({ strict: false });
    const validate = ajv.compile({
      type: 'object',
      required: ['type', 'meta', 'payload'],
      properties: { type: { const: 'ping' }, meta: { type: 'object', properties: { v: { const: 2 } } }, payload: { type: 'object' } },
    });
    const entry = {
      id: 'ping', name: 'ping', direction: 'send', channel: 'callback', address: null, protocol: 'http', type: 'Ping',
      validate, consts: { '/type': 'ping', '/meta/v': 2 },
      publish: { audience: ['user_id'], dataPointer: '/payload', validateData: validate },
    } as unknown as MessageEntry;
    const framed = frameEvent(entry, { x: 1 });
    expect(framed.body).toEqual({ type: 'ping', meta: { v: 2 }, payload: { x: 1 } });
  });

  it('messageNamed throws for a message the spec lacks', () => {
    expect(() => messageNamed(catalogue, 'nope')).toThrow(/no "nope" message/);
  });

});
