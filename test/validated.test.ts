// workHandler/fanoutHandler: bus handlers see only envelopes the spec accepts; a work handler
// dead-letters the rest, a fanout handler skips them.
import Ajv from 'ajv';
import type { ApiCatalogue, MessageEntry } from '../generated';
import { MemoryBus } from '../src/bus/memory-bus';
import { DeadLetterError, type Bus, type Envelope, type EnvelopeHandler, type SubscriptionMode } from '../src/ports/bus';
import { deadLetterRejects, fanoutHandler, workHandler, type AcceptedHandler } from '../src/envelopes/validated';

const validateData = new Ajv().compile({ type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] });
const catalogue = {
  api: 'test',
  messages: { TICK: { id: 'TICK', name: 'TICK', direction: 'send', publish: { audience: ['room'], dataPointer: null, validateData } } as unknown as MessageEntry },
} as unknown as ApiCatalogue;

const good = { id: 'e1', message: 'TICK', to: { room: 'r1' }, data: { n: 1 } } as unknown as Envelope;
const bad: Array<[string, unknown, string]> = [
  ['null', null, 'not a publish envelope {message, to, data}'],
  ['a string', 'TICK', 'not a publish envelope {message, to, data}'],
  ['no message', { to: { room: 'r1' }, data: { n: 1 } }, 'not a publish envelope {message, to, data}'],
  ['a null to', { message: 'TICK', to: null, data: { n: 1 } }, 'not a publish envelope {message, to, data}'],
  ['an unknown message', { message: 'TOCK', to: { room: 'r1' }, data: {} }, 'unknown message "TOCK" for api test'],
  ['a wrong audience', { message: 'TICK', to: { user: 'u' }, data: { n: 1 } }, '"to" must name exactly one of "room" for TICK: /to: "to" must name exactly one of "room" for TICK'],
  ['invalid data', { message: 'TICK', to: { room: 'r1' }, data: { n: 'x' } }, 'data does not match the spec of TICK: /data/n: must be integer'],
];

describe('workHandler', () => {
  it('hands an accepted envelope on with what was accepted, and returns what the handler returns', async () => {
    const handler = jest.fn<ReturnType<AcceptedHandler>, Parameters<AcceptedHandler>>(async () => undefined);
    await expect(workHandler(catalogue, handler)(good)).resolves.toBeUndefined();
    expect(handler).toHaveBeenCalledWith(good, expect.objectContaining({ key: 'room', value: 'r1', to: { room: 'r1' } }));
  });

  it('passes the handler failure through (to be tried again)', async () => {
    await expect(workHandler(catalogue, () => Promise.reject(new Error('store down')))(good)).rejects.toThrow('store down');
  });

  it.each(bad)('dead-letters %s with the reason, without calling the handler', (_what, envelope, reason) => {
    const handler = jest.fn();
    let thrown: unknown;
    try {
      void workHandler(catalogue, handler)(envelope as Envelope);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(DeadLetterError);
    expect((thrown as DeadLetterError).reason).toBe(reason);
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('fanoutHandler', () => {
  it('hands an accepted envelope on', async () => {
    const handler = jest.fn();
    await fanoutHandler(catalogue, handler)(good);
    expect(handler).toHaveBeenCalledWith(good, expect.objectContaining({ key: 'room', value: 'r1' }));
  });

  it.each(bad)('skips %s quietly', (_what, envelope) => {
    const handler = jest.fn();
    expect(fanoutHandler(catalogue, handler)(envelope as Envelope)).toBeUndefined();
    expect(handler).not.toHaveBeenCalled();
  });
});

describe('deadLetterRejects', () => {
  /** A bus that records the subscriptions asked of it. */
  const recording = (foreignRecords: boolean) => {
    const asked: Array<{ mode: SubscriptionMode; handler: EnvelopeHandler }> = [];
    const bus = {
      foreignRecords,
      subscribe: async (_api: string, mode: SubscriptionMode, handler: EnvelopeHandler) => {
        asked.push({ mode, handler });
        return { close: async () => undefined };
      },
    } as unknown as Bus;
    return { bus, asked };
  };

  it('on a bus records reach from outside (Kafka): one work subscription that dead-letters what the spec rejects', async () => {
    const { bus, asked } = recording(true);
    expect(await deadLetterRejects(bus, 'pizza', catalogue)).toHaveLength(1);
    expect(asked.map((a) => a.mode)).toEqual(['work']);
    await expect(Promise.resolve(asked[0].handler(good))).resolves.toBeUndefined();
    expect(() => asked[0].handler({ ...good, data: { n: 'x' } } as unknown as Envelope)).toThrow(DeadLetterError);
  });

  it('on the in-process bus, which carries only what this process checked and published: none', async () => {
    const { bus, asked } = recording(false);
    expect(await deadLetterRejects(bus, 'pizza', catalogue)).toEqual([]);
    expect(asked).toEqual([]);
    expect(new MemoryBus().foreignRecords).toBe(false);
  });
});
