// The messenger bus `work` handler (src/apis/messenger/dispatch.ts) with the real catalogue, the
// in-memory store and the real polling queues. The webhook deliverer is a recorder: the real one
// POSTs (test/messenger-webhooks.test.ts); here only what the dispatcher hands it matters.
import pino from 'pino';
import { catalogue } from '../generated/messenger/catalogue';
import type { ApiCatalogue } from '../generated';
import { dispatcher } from '../src/apis/messenger/dispatch';
import { PollingQueues } from '../src/apis/messenger/polling';
import type { WebhookDeliverer, WebhookJob } from '../src/apis/messenger/webhooks';
import { Metrics } from '../src/metrics';
import { DeadLetterError, type Envelope } from '../src/ports/bus';
import { MemoryStore } from '../src/store/memory-store';
import { newMessage } from './helpers/webhook-receiver';

let store: MemoryStore;
let metrics: Metrics;
let jobs: WebhookJob[];
/** Users with a registered callback. */
let callbacks: Map<string, string>;
let handle: (envelope: Envelope) => Promise<void>;

function build(cat: ApiCatalogue = catalogue) {
  const queues = new PollingQueues(store);
  const deliverer = { deliver: async (job: WebhookJob) => void jobs.push(job) } as unknown as WebhookDeliverer;
  return dispatcher({ catalogue: cat, log: pino({ level: 'silent' }), metrics, currentUrl: async (u) => callbacks.get(u), queues, deliverer });
}

beforeEach(() => {
  store = new MemoryStore();
  metrics = new Metrics({ defaultMetrics: false });
  jobs = [];
  callbacks = new Map();
  handle = build();
});
afterEach(() => store.close());

const record = (over: Partial<Envelope> = {}): Envelope => ({ id: 'rec-1', message: 'new_message', to: { user_id: 7 }, data: newMessage(1, 7), ...over });

/** Everything queued for polling for `user`, oldest first (taking it). */
async function drain(user: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for (let item = await store.polling.dequeue(user); item !== undefined; item = await store.polling.dequeue(user)) out.push(JSON.parse(item));
  return out;
}

describe('dispatcher', () => {
  it('queues an event for a user without a callback, framed as {type, event}', async () => {
    await handle(record());
    expect(await drain('7')).toEqual([{ type: 'new_message', event: newMessage(1, 7) }]);
    expect(jobs).toEqual([]);
  });

  it('hands a callback user\'s event to the webhook deliverer instead, under the record id', async () => {
    callbacks.set('7', 'https://bot.example/hook');
    await handle(record());
    expect(jobs).toEqual([{ id: 'rec-1', user: '7', message: 'new_message', body: JSON.stringify({ type: 'new_message', event: newMessage(1, 7) }) }]);
    expect(await drain('7')).toEqual([]);
  });

  it('treats user_id 7 and "7" as one user', async () => {
    await handle(record({ id: 'a', to: { user_id: 7 } }));
    await handle(record({ id: 'b', to: { user_id: '7' } }));
    expect(await drain('7')).toHaveLength(2);
  });

  it('queues a redelivered record once', async () => {
    await handle(record());
    await handle(record());
    expect(await drain('7')).toHaveLength(1);
  });

  it('gives a record without an id a fresh one, so two such records are both queued', async () => {
    await handle(record({ id: undefined as unknown as string }));
    await handle(record({ id: '' }));
    expect(await drain('7')).toHaveLength(2);
    callbacks.set('8', 'https://bot.example/hook');
    await handle(record({ id: '', to: { user_id: 8 }, data: newMessage(2, 8) }));
    expect(jobs[0].id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it.each([
    ['an unknown message', { message: 'no_such' }, /^unknown message "no_such" for api messenger/],
    ['a message that is not publishable', { message: 'callback_deprecated' }, /^unknown message/],
    ['no audience', { to: undefined as unknown as Envelope['to'] }, /"to" must name exactly one of "user_id"/],
    ['a wrong audience key', { to: { store_id: 1 } }, /"to" must name exactly one of "user_id"/],
    ['two audience keys', { to: { user_id: 1, store_id: 1 } }, /"to" must name exactly one/],
    ['an empty user id', { to: { user_id: '' } }, /non-empty string or a number/],
    ['data the spec refuses', { data: { text: 5 } }, /^data does not match the spec of new_message/],
  ])('dead-letters a record with %s, and queues nothing', async (_what, over, reason) => {
    const rejection = handle(record(over));
    await expect(rejection).rejects.toBeInstanceOf(DeadLetterError);
    await expect(rejection).rejects.toMatchObject({ reason: expect.stringMatching(reason) });
    expect(await drain('7')).toEqual([]);
    expect(jobs).toEqual([]);
  });

  it('sends nothing, and counts it, when the spec\'s frame refuses data its publish schema took', async () => {
    // A spec whose callback frame is stricter than its publish data: the frame's validator refuses.
    const refuse = Object.assign(() => false, { errors: [] });
    const newMessageEntry = { ...catalogue.messages.new_message, validate: refuse };
    handle = build({ ...catalogue, messages: { ...catalogue.messages, new_message: newMessageEntry } } as unknown as ApiCatalogue);
    await handle(record());
    expect(await drain('7')).toEqual([]);
    const counted = (await metrics.outgoingInvalidTotal.get()).values.find((v) => v.labels.message === 'new_message');
    expect(counted?.value).toBe(1);
  });

  it('rejects (not a dead letter: the bus retries) when the store cannot queue the event', async () => {
    store.polling.enqueue = async () => {
      throw new Error('store down');
    };
    const rejection = handle(record());
    await expect(rejection).rejects.toThrow('store down');
    await expect(rejection).rejects.not.toBeInstanceOf(DeadLetterError);
  });
});
