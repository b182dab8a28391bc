// POST /events/polling end to end: a real gateway, real HTTP; and PollingQueues on its own.
import { PollingQueues, queueTopic } from '../src/apis/messenger/polling';
import { MemoryStore } from '../src/store/memory-store';
import { call, startGateway, type TestGateway } from './helpers/gateway';
import { newMessage, startReceiver, waitFor } from './helpers/webhook-receiver';

/** Counts enqueues that completed, so a test knows an event is queued before it polls. */
class SpyStore extends MemoryStore {
  queued = 0;
  constructor() {
    super();
    const enqueue = this.polling.enqueue.bind(this.polling);
    this.polling.enqueue = async (user, item, key) => {
      await enqueue(user, item, key);
      this.queued += 1;
    };
  }
}

interface Node {
  gw: TestGateway;
  store: SpyStore;
}

async function node(env: Record<string, string>): Promise<Node> {
  const store = new SpyStore();
  const gw = await startGateway({ WEBHOOK_RETRY_SCHEDULE_MS: '50,100', ...env }, { store });
  return { gw, store };
}

async function publish({ gw }: Node, to: Record<string, unknown>, data: unknown): Promise<string> {
  const token = await gw.token('backend', {}, 'publish');
  const r = await call(`${gw.url}/publish/v1/messenger`, { body: { message: 'new_message', to, data }, headers: { authorization: `Bearer ${token}` } });
  expect(r.status).toBe(202);
  return r.body.id as string;
}

/** Publishes and waits until the event is queued. */
async function publishQueued(n: Node, to: Record<string, unknown>, data: unknown): Promise<void> {
  const before = n.store.queued;
  await publish(n, to, data);
  await waitFor(() => n.store.queued > before, 'the event to be queued');
}

async function poll({ gw }: Node, sub: string, form = false) {
  const token = await gw.token(sub);
  return call(`${gw.url}/events/polling`, form ? { form: { token } } : { body: { token } });
}

async function openPolls({ gw }: Node): Promise<number> {
  const { values } = await gw.gateway.context.metrics.longPollsOpen.get();
  return values.find((v) => v.labels.api === 'messenger')?.value ?? 0;
}

/**
 * The timeout answer: 204 without a body or a content type (the popular Python bot client skips any
 * answer that is not JSON and polls again) and a header telling a human what happened.
 */
function expectTimedOut(r: { status: number; text: string; headers: Headers }): void {
  expect({ status: r.status, text: r.text, type: r.headers.get('content-type') }).toEqual({ status: 204, text: '', type: null });
  expect(r.headers.get('x-poll-timeout')).toMatch(/^(no event for this user within \d+ ms|the gateway is shutting down); poll again$/);
}

describe('POST /events/polling with a short poll timeout', () => {
  let n: Node;
  beforeAll(async () => {
    n = await node({ MESSENGER_POLL_TIMEOUT_MS: '300' });
  });
  afterAll(() => n.gw.stop());
  const url = () => `${n.gw.url}/events/polling`;

  it('answers -3 (400) for missing or invalid parameters, JSON or form', async () => {
    const invalid = { status: 400, body: { code: -3, response: 'Parameters are invalid' } };
    expect(await call(url(), { body: {} })).toMatchObject(invalid);
    expect(await call(url(), { body: { token: '' } })).toMatchObject(invalid);
    expect(await call(url(), { body: { token: 5 } })).toMatchObject(invalid);
    expect(await call(url(), { body: { token: await n.gw.token('1'), other: 'x' } })).toMatchObject(invalid);
    expect(await call(url(), { form: {} })).toMatchObject(invalid);
    expect(await call(url(), { form: { token: '' } })).toMatchObject(invalid);
    expect(await call(url(), { body: '{"token"' })).toMatchObject(invalid);
    expect(await call(url(), { method: 'POST' })).toMatchObject(invalid);
  });

  it('answers -1 (401) for an invalid token, JSON or form', async () => {
    const invalidToken = { status: 401, body: { code: -1, response: 'Invalid token' } };
    expect(await call(url(), { body: { token: 'not.a.jwt' } })).toMatchObject(invalidToken);
    expect(await call(url(), { form: { token: 'not.a.jwt' } })).toMatchObject(invalidToken);
  });

  it('answers 204 without a body, and a header saying why, when nothing arrives in time', async () => {
    const r = await poll(n, '100');
    expectTimedOut(r);
    expect(r.headers.get('x-poll-timeout')).toBe('no event for this user within 300 ms; poll again');
    expect(await openPolls(n)).toBe(0);
  });

  it('returns a queued event at once, as {code: 10, type, event}', async () => {
    await publishQueued(n, { user_id: 101 }, newMessage(1, 101));
    const r = await poll(n, '101');
    expect(r).toMatchObject({ status: 200 });
    expect(r.body).toEqual({ code: 10, type: 'new_message', event: newMessage(1, 101) });
    // Taken: the next poll finds nothing.
    expectTimedOut(await poll(n, '101'));
  });

  it('delivers two events published between polls, one per poll, in order', async () => {
    await publishQueued(n, { user_id: 102 }, newMessage(1, 102));
    await publishQueued(n, { user_id: 102 }, newMessage(2, 102));
    expect((await poll(n, '102')).body).toEqual({ code: 10, type: 'new_message', event: newMessage(1, 102) });
    expect((await poll(n, '102', true)).body).toEqual({ code: 10, type: 'new_message', event: newMessage(2, 102) });
    expectTimedOut(await poll(n, '102'));
  });

  it('treats to: {user_id: 2} and {user_id: "2"} as the same user', async () => {
    await publishQueued(n, { user_id: 2 }, newMessage(21, 2));
    await publishQueued(n, { user_id: '2' }, newMessage(22, 2));
    expect((await poll(n, '2')).body.event.message_id).toBe(21);
    expect((await poll(n, '2')).body.event.message_id).toBe(22);
  });

  it('only ever answers the polling user\'s own events', async () => {
    await publishQueued(n, { user_id: 103 }, newMessage(1, 103));
    expectTimedOut(await poll(n, '104'));
    expect((await poll(n, '103')).body.event.to_id).toBe(103);
  });

  it('sends a callback user\'s event to the callback, and queues it only once the webhook gave up', async () => {
    const hook = await startReceiver(() => 503);
    try {
      const token = await n.gw.token('105');
      await call(`${n.gw.url}/events/callback/start`, { body: { token, callback: hook.url } });
      const { metrics } = n.gw.gateway.context;
      const gaveUp = async () => (await metrics.webhookAttemptsTotal.get()).values.find((v) => v.labels.outcome === 'gave_up')?.value ?? 0;
      const [before, queued] = [await gaveUp(), n.store.queued];
      await publish(n, { user_id: 105 }, newMessage(1, 105));
      await waitFor(async () => (await gaveUp()) > before, 'gave_up');
      expect(hook.received).toHaveLength(3); // first attempt + '50,100'
      expect(n.store.queued - queued).toBe(1); // queued by the fallback only
      expect((await poll(n, '105')).body).toEqual({ code: 10, type: 'new_message', event: newMessage(1, 105) });
    } finally {
      await hook.close();
    }
  });
});

describe('POST /events/polling with a long poll timeout', () => {
  let n: Node;
  beforeAll(async () => {
    n = await node({ MESSENGER_POLL_TIMEOUT_MS: '15000' });
  });
  afterAll(() => n.gw.stop());

  it('holds a poll until an event for the user is published', async () => {
    const waiting = poll(n, '201');
    await waitFor(async () => (await openPolls(n)) === 1, 'the poll to wait');
    await publish(n, { user_id: 201 }, newMessage(7, 201));
    const r = await waiting;
    expect(r).toMatchObject({ status: 200, body: { code: 10, type: 'new_message', event: newMessage(7, 201) } });
    expect(await openPolls(n)).toBe(0);
  });

  it('gives concurrent polls of one user distinct events (waiting polls)', async () => {
    const polls = [poll(n, '202'), poll(n, '202', true)];
    await waitFor(async () => (await openPolls(n)) === 2, 'both polls to wait');
    await publish(n, { user_id: 202 }, newMessage(1, 202));
    await publish(n, { user_id: 202 }, newMessage(2, 202));
    const ids = (await Promise.all(polls)).map((r) => r.body.event.message_id).sort();
    expect(ids).toEqual([1, 2]);
  });

  it('gives concurrent polls of one user distinct events (queued events)', async () => {
    for (let i = 1; i <= 4; i++) await publishQueued(n, { user_id: 203 }, newMessage(i, 203));
    const results = await Promise.all([1, 2, 3, 4].map(() => poll(n, '203')));
    expect(results.map((r) => r.body.event.message_id).sort()).toEqual([1, 2, 3, 4]);
  });

  it('stops waiting when the client disconnects, and takes nothing for it', async () => {
    const token = await n.gw.token('204');
    const abort = new AbortController();
    const gone = fetch(`${n.gw.url}/events/polling`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }), signal: abort.signal,
    }).catch((err: Error) => err.name);
    await waitFor(async () => (await openPolls(n)) === 1, 'the poll to wait');
    abort.abort();
    expect(await gone).toBe('AbortError');
    await waitFor(async () => (await openPolls(n)) === 0, 'the poll to stop waiting');
    await publishQueued(n, { user_id: 204 }, newMessage(9, 204));
    expect((await poll(n, '204')).body).toEqual({ code: 10, type: 'new_message', event: newMessage(9, 204) });
  });

  it('counts delivered events', async () => {
    const { metrics } = n.gw.gateway.context;
    const delivered = async () => (await metrics.eventsDeliveredTotal.get()).values.find((v) => v.labels.message === 'new_message')?.value ?? 0;
    const before = await delivered();
    await publishQueued(n, { user_id: 205 }, newMessage(1, 205));
    await poll(n, '205');
    expect(await delivered()).toBe(before + 1);
  });
});

describe('POST /events/polling during shutdown', () => {
  it('answers a waiting poll with the timeout answer at once when the gateway stops', async () => {
    const n = await node({ MESSENGER_POLL_TIMEOUT_MS: '60000' });
    const waiting = poll(n, '301');
    await waitFor(async () => (await openPolls(n)) === 1, 'the poll to wait');
    await n.gw.stop();
    const r = await waiting;
    expectTimedOut(r);
    expect(r.headers.get('x-poll-timeout')).toBe('the gateway is shutting down; poll again');
  });
});

// Short timeouts below only end polls that would otherwise hang; no test depends on their length.
describe('PollingQueues (src/apis/messenger/polling.ts) on the in-memory store', () => {
  let store: MemoryStore;
  let queues: PollingQueues;
  let shutdown: AbortController;
  let gone: AbortController;
  beforeEach(() => {
    store = new MemoryStore();
    queues = new PollingQueues(store);
    shutdown = new AbortController();
    gone = new AbortController();
  });
  afterEach(() => store.close());
  const next = (user: string, timeoutMs = 60_000) => queues.next(user, { timeoutMs, shutdown: shutdown.signal, gone: gone.signal });

  it('answers queued events one per poll, oldest first, and only the user\'s own', async () => {
    await queues.enqueue('1', 'a');
    await queues.enqueue('2', 'other');
    await queues.enqueue('1', 'b');
    expect(await next('1')).toEqual({ item: 'a' });
    expect(await next('1')).toEqual({ item: 'b' });
    expect(await next('1', 10)).toEqual({ reason: 'timeout' });
    expect(await next('2')).toEqual({ item: 'other' });
  });

  it('queues a keyed (redelivered) event once', async () => {
    await queues.enqueue('1', 'a', 'rec-1');
    await queues.enqueue('1', 'a', 'rec-1');
    expect(await next('1')).toEqual({ item: 'a' });
    expect(await next('1', 10)).toEqual({ reason: 'timeout' });
  });

  it('wakes a waiting poll when an event is queued (enqueue notifies the user\'s topic)', async () => {
    const notified: string[] = [];
    const off = store.onNotify(queueTopic('1'), () => notified.push('1'));
    const waiting = next('1');
    await queues.enqueue('1', 'late');
    expect(await waiting).toEqual({ item: 'late' });
    expect(notified).toEqual(['1']);
    off();
  });

  it('ends a waiting poll with "shutdown" when the gateway stops', async () => {
    const waiting = next('1');
    shutdown.abort();
    expect(await waiting).toEqual({ reason: 'shutdown' });
  });

  it('takes nothing for a client that has already gone', async () => {
    await queues.enqueue('1', 'kept');
    gone.abort();
    expect(await next('1')).toEqual({ reason: 'gone' });
    gone = new AbortController();
    expect(await next('1')).toEqual({ item: 'kept' });
  });

  it('puts an event back when the client goes while it is being taken, rather than lose it', async () => {
    await queues.enqueue('1', 'first');
    await queues.enqueue('1', 'second');
    const dequeue = store.polling.dequeue.bind(store.polling);
    store.polling.dequeue = async (user) => {
      const item = await dequeue(user);
      gone.abort(); // the client disconnects while the store answers
      return item;
    };
    expect(await next('1')).toEqual({ reason: 'gone' });
    store.polling.dequeue = dequeue;
    gone = new AbortController();
    // Not lost: back at the end of the queue.
    expect(await next('1')).toEqual({ item: 'second' });
    expect(await next('1')).toEqual({ item: 'first' });
  });
});
