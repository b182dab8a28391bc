// The original events service's own Node client, `ganomede-events` 1.5.3 from npm, unmodified,
// against a real gateway: `send`, `getEvents`, the polling `Client` with its `cycle` events,
// `getLatestEvents`, array data, and the answers its JSON client parses (errors, ping, about).
import { once } from 'node:events';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { loadGanomedeEvents, serverOptions } from './helpers/ganomede-events';

const SECRET = 'compat-api-secret';
const { Client, EventsClient, Cursor } = loadGanomedeEvents();

interface StoredEvent {
  id: number;
  timestamp: number;
  type: string;
  from: string;
  data?: unknown;
}
/** What restify-clients hands the callback for an error answer. */
interface RestClientError extends Error {
  statusCode: number;
  restCode: string;
  body: unknown;
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ API_SECRET: SECRET, POLL_TIMEOUT_MS: '300' });
});
afterAll(() => gw.stop());

let n = 0;
const fresh = (prefix: string) => `${prefix}-${++n}-${Math.random().toString(36).slice(2, 8)}`;
const client = (clientId = fresh('worker'), secret = SECRET) => new Client(clientId, { secret, ...serverOptions(gw.url) });
const eventsClient = (clientId: string) => new EventsClient({ ...serverOptions(gw.url), pathnamePrefix: '/events/v1', clientId, secret: SECRET });

/** The client's callback API as a promise. */
function callback<T>(call: (cb: (err: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => call((err, value) => (err ? reject(err) : resolve(value))));
}
const send = (c: InstanceType<typeof Client>, channel: string, event: { from: string; type: string; data?: unknown }) =>
  callback<StoredEvent>((cb) => c.send(channel, event, cb as (e: Error, h: unknown) => void));
const getEvents = (c: InstanceType<typeof EventsClient>, cursor: InstanceType<typeof Cursor>) =>
  callback<StoredEvent[]>((cb) => c.getEvents(cursor, cb as (e: Error, events: []) => void));
const getLatest = (c: InstanceType<typeof Client>, channel: string, limit?: number) =>
  callback<StoredEvent[]>((cb) => c.getLatestEvents(channel, limit, cb as (e: Error, events: []) => void));

describe('Client#send', () => {
  it('stores an event with object data and calls back with the stored event', async () => {
    const channel = fresh('turngame');
    const stored = await send(client(), channel, { from: 'turngame/v1', type: 'MOVE', data: { anything: "you'd like", flag: true } });
    expect(stored).toEqual({ id: 1, timestamp: expect.any(Number), from: 'turngame/v1', type: 'MOVE', data: { anything: "you'd like", flag: true } });
    expect((await send(client(), channel, { from: 'turngame/v1', type: 'MOVE' })).id).toBe(2);
  });

  it('stores array data as the document\'s own example carries it', async () => {
    const channel = fresh('turngame');
    const stored = await send(client(), channel, { from: 'turngame/v1', type: 'MOVE', data: [1, 2, 3] });
    expect(stored).toMatchObject({ id: 1, data: [1, 2, 3] });
    expect(await getEvents(eventsClient('reader'), new Cursor(channel, { after: 0 }))).toEqual([stored]);
  });

  it('gets the original\'s 401 body as a restify error for a wrong secret', async () => {
    const err = (await send(client(undefined, 'not-the-secret'), fresh('ch'), { from: 'f', type: 't' }).catch((e: unknown) => e)) as RestClientError;
    expect(err).toBeInstanceOf(Error);
    expect({ status: err.statusCode, code: err.restCode, message: err.message }).toEqual({ status: 401, code: 'InvalidCredentialsError', message: 'Invalid credentials' });
  });
});

describe('EventsClient#getEvents', () => {
  it('reads after an explicit cursor (storing it), then from the stored cursor when the cursor has no `after`', async () => {
    const channel = fresh('turngame');
    const sender = client();
    for (const type of ['A', 'B', 'C', 'D']) await send(sender, channel, { from: 'turngame/v1', type });
    const reader = eventsClient(fresh('reader'));
    expect((await getEvents(reader, new Cursor(channel, { after: 1, limit: 2 }))).map((e) => e.type)).toEqual(['B', 'C']);
    // No `after`: the server loads the cursor the last request stored (1), it never advances it.
    expect((await getEvents(reader, new Cursor(channel))).map((e) => e.type)).toEqual(['B', 'C', 'D']);
  });

  it('is answered [] after the long-poll timeout when nothing arrives', async () => {
    expect(await getEvents(eventsClient('idle'), new Cursor(fresh('quiet'), { after: 0 }))).toEqual([]);
  });
});

describe('Client polling (on(channel) with cycle events)', () => {
  /** Stops the client's polling: no listener left, it finishes the poll in flight and drains. */
  async function stopPolling(c: InstanceType<typeof Client>, channel: string): Promise<void> {
    const drained = once(c, 'drain');
    c.removeAllListeners(channel);
    await drained;
  }

  it('hears every event sent to the channel in order, and each cycle moves the cursor to the last id heard', async () => {
    const channel = fresh('turngame');
    const sender = client();
    await send(sender, channel, { from: 'turngame/v1', type: 'BEFORE', data: [0] });
    const poller = client();
    const heard: StoredEvent[] = [];
    const cycles: Array<{ finished: number | null | undefined; next: number | null | undefined }> = [];
    poller.on('cycle', ({ finished, next }: { finished: InstanceType<typeof Cursor>; next: InstanceType<typeof Cursor> }) =>
      cycles.push({ finished: finished.after, next: next.after }),
    );
    const errors: unknown[] = [];
    poller.on('error', (err: unknown) => errors.push(err));
    const threeHeard = new Promise<void>((resolve) =>
      poller.on(channel, (event: StoredEvent) => {
        heard.push(event);
        if (heard.length === 3) resolve();
      }),
    );
    await send(sender, channel, { from: 'turngame/v1', type: 'MOVE', data: { x: 1 } });
    await send(sender, channel, { from: 'invitations/v1', type: 'INVITE', data: [1, 2, 3] });
    await threeHeard;
    await stopPolling(poller, channel);

    expect(errors).toEqual([]);
    expect(heard.map((e) => [e.id, e.type, e.data])).toEqual([[1, 'BEFORE', [0]], [2, 'MOVE', { x: 1 }], [3, 'INVITE', [1, 2, 3]]]);
    // The first request has no `after` (the stored cursor, none yet: 0); every cycle after that asks
    // from the last id it heard; a cycle that heard nothing (timeout) keeps its cursor.
    expect(cycles[0].finished).toBeNull();
    for (let i = 1; i < cycles.length; i++) expect(cycles[i].finished).toBe(cycles[i - 1].next);
    expect(cycles[cycles.length - 1].next).toBe(3);
  });

  it('cycles on an idle channel (each poll times out with []) without errors, hearing nothing', async () => {
    const channel = fresh('idle');
    const poller = client();
    const heard: unknown[] = [];
    const errors: unknown[] = [];
    poller.on('error', (err: unknown) => errors.push(err));
    poller.on(channel, (event: unknown) => heard.push(event));
    const [{ finished, next }] = (await once(poller, 'cycle')) as [{ finished: InstanceType<typeof Cursor>; next: InstanceType<typeof Cursor> }];
    expect(next).toBe(finished);
    await once(poller, 'cycle'); // and it polls again
    await stopPolling(poller, channel);
    expect({ heard, errors }).toEqual({ heard: [], errors: [] });
  });
});

describe('Client#getLatestEvents', () => {
  it('answers the newest `limit` events oldest first (default 100) and leaves the cursor alone', async () => {
    const channel = fresh('turngame');
    const c = client('latest-reader');
    expect(await getLatest(c, channel, 10)).toEqual([]);
    for (let i = 1; i <= 5; i++) await send(c, channel, { from: 'turngame/v1', type: `T${i}`, data: [i] });
    expect((await getLatest(c, channel, 2)).map((e) => [e.id, e.type, e.data])).toEqual([[4, 'T4', [4]], [5, 'T5', [5]]]);
    expect((await getLatest(c, channel)).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    // The same clientId reading without `after` still starts at 0: getLatestEvents stored nothing.
    expect(await getEvents(eventsClient('latest-reader'), new Cursor(channel))).toHaveLength(5);
  });
});

describe("the original's extras through the client's own JSON client", () => {
  // BaseClient#apiCall (ganomede-base-client) is what every call of the client goes through; its
  // published typings leave it out.
  type ApiCall = { apiCall(req: { method: string; path: string }, cb: (err: Error | null, value: unknown) => void): void };
  const apiCall = <T>(path: string) => callback<T>((cb) => (client().client as unknown as ApiCall).apiCall({ method: 'get', path }, cb as (err: Error | null, value: unknown) => void));

  it('/ping/:token parses as the JSON string "pong/<token>"', async () => {
    expect(await apiCall('/ping/health')).toBe('pong/health');
  });

  it('/about names the service ganomede-events', async () => {
    expect(await apiCall('/about')).toMatchObject({ type: 'ganomede-events', hostname: expect.any(String), version: expect.any(String), startDate: expect.any(String) });
  });
});
