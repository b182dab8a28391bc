// The events API (events-rest-longpoll.md): per-channel event logs, long polling with a
// per-(clientId, channel) cursor, and emitting events. Events also travel the bus as
// `switchyard.events` records; the work consumer stores records from other producers.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ParameterizedContext } from 'koa';
import { packageRoot } from '../../package-root';
import type { ApiModule, GatewayContext } from '../context';
import { idempotencyKey, recordIdFor } from '../../http/idempotency';
import { clientGone, longPoll } from '../../http/long-poll';
import { mount } from '../../http/mount';
import { respond } from '../../http/respond';
import { DependencyUnavailableError } from '../../ports/availability';
import type { Envelope, Subscription } from '../../ports/bus';
import type { EventInput } from '../../../generated/events/models';
import type { NewEvent, StoredEvent } from '../../ports/store';
import { workHandler } from '../../envelopes/validated';
import { eventsError, invalidContent, invalidCredentials } from './errors';
import { firstOf, parseAfter, parseLimit, type PollQuery } from './query';
import { secretMatches } from './secret';


const topicOf = (channel: string) => `events:${channel}`;

/** How many ids of its own POSTs a node remembers for its work consumer to skip. */
const OWN_RECORDS_KEPT = 10_000;

/** Waits for `work` until `deadline` (ms since epoch): undefined when it finished in time, else why not. */
async function settledBy(work: Promise<unknown>, deadline: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('not finished within the dependency timeout'), Math.max(0, deadline - Date.now()))));
  try {
    return await Promise.race([work.then(() => undefined, (err: unknown) => (err as Error).message ?? String(err)), late]);
  } finally {
    clearTimeout(timer);
  }
}

export function eventsApi(ctx: GatewayContext): ApiModule {
  const { catalogues, store, bus, config, metrics, log } = ctx;
  const polls = ctx.audiences.counter('events', 'long polls');
  const spec = catalogues.events;
  const { pollEvents: poll, emitEvent: emit, latestEvents: latest, about, ping } = spec.operations;
  let subscription: Subscription | undefined;
  // Ids of events this node's POST handler stored itself. The work consumer sees those records too
  // (every `switchyard.events` record goes through it); storing one again is a no-op (same id), but
  // its notify would wake every long poll of the channel a second time for nothing. Records of other
  // producers, or of other nodes, are not in here and are stored as before. Oldest ids are dropped
  // first beyond OWN_RECORDS_KEPT (e.g. when another node's work consumer took the record).
  const storedHere = new Set<string>();
  const rememberOwn = (id: string) => {
    storedHere.add(id);
    if (storedHere.size > OWN_RECORDS_KEPT) storedHere.delete(storedHere.values().next().value as string);
  };

  // As the original: the secret may come in the body or the query (either matching is enough), and
  // it is checked before any other parameter, so a caller without it learns nothing else.
  const requireSecret = (k: ParameterizedContext): string => {
    const presented = [(k.request.body as { secret?: unknown } | undefined)?.secret, firstOf(k.query.secret)];
    if (!presented.some((s) => typeof s === 'string' && s !== '' && secretMatches(s, config.apiSecret))) throw invalidCredentials();
    return config.apiSecret;
  };
  const aboutBody = {
    hostname: hostname(),
    type: 'ganomede-events',
    version: packageRoot(__dirname).version,
    description: 'Switchyard events API: REST long polling on per-channel event logs',
    startDate: new Date().toISOString(),
  };

  /** Stores an event once per record id. */
  const appendEvent = (channel: string, input: EventInput, recordId: string): Promise<StoredEvent> => {
    const event: NewEvent = { timestamp: Date.now(), type: input.type, from: input.from };
    if (input.data !== undefined) event.data = input.data;
    return store.events.append(channel, event, recordId);
  };
  /** Wakes the channel's long polls on every node. */
  const wake = (channel: string) => store.notify(topicOf(channel));

  return {
    name: 'events',
    errorFormat: eventsError,
    routes(router) {
      // The secret comes first and numbers are lenient (ORIGINALS.md): these handlers check their input.
      mount(router, poll, async (k) => {
        const secret = requireSecret(k);
        const q = k.query;
        const query: PollQuery = {
          clientId: String(firstOf(q.clientId) ?? ''),
          channel: String(firstOf(q.channel) ?? ''),
          secret,
          limit: parseLimit(q.limit),
        };
        const after = parseAfter(q.after);
        if (after !== undefined) query.after = after;
        // Presence and non-emptiness rules come from the spec's parameter schemas.
        if (!poll.query!({ ...query })) throw invalidContent(poll.query!.errors);

        // An explicit `after` is the client's acknowledgement: store it. Absent: load it.
        let cursor: number;
        if (query.after !== undefined) {
          cursor = query.after;
          await store.cursors.set([query.channel, query.clientId], cursor);
        } else {
          cursor = (await store.cursors.get([query.channel, query.clientId])) ?? 0;
        }

        // Wait for data until the timeout (events-rest-longpoll.md): a wake-up that finds nothing new
        // (a notify for events this poll has already seen) waits on rather than answering `[]`.
        const gone = clientGone(k);
        let waiting = false;
        let events: StoredEvent[];
        try {
          const result = await longPoll(store, topicOf(query.channel), {
            look: async () => {
              const found = await store.events.read(query.channel, cursor, query.limit);
              return found.length > 0 ? found : undefined;
            },
            timeoutMs: config.pollTimeoutMs,
            signals: [ctx.shutdown, gone],
            onWait: () => {
              if (waiting) return;
              waiting = true;
              metrics.longPollsOpen.inc({ api: 'events' });
              polls.enter(query.channel);
            },
          });
          if (gone.aborted) return;
          // Timeout or shutdown: nothing new.
          events = result.found ?? [];
        } finally {
          if (waiting) {
            metrics.longPollsOpen.dec({ api: 'events' });
            polls.leave(query.channel);
          }
        }
        respond(k, poll, 200, events);
      }, { validate: false });

      mount(router, emit, async (k) => {
        const secret = requireSecret(k);
        // The secret may have come in the query; the body is checked as if it carried it.
        const body = { ...(k.request.body as object), secret } as unknown as EventInput & { channel: string };
        const validate = emit.body['application/json'];
        if (!validate(body)) throw invalidContent(validate.errors);
        const input: EventInput = { type: body.type, from: body.from };
        if (body.data !== undefined) input.data = body.data;
        // A repeat with the same key answers the event its first attempt stored (appendEvent's key).
        const key = idempotencyKey(k);
        const id = key === undefined ? randomUUID() : recordIdFor(key, 'events', body.channel);
        const deadline = Date.now() + config.dependencyTimeoutMs;
        // Refused before anything is written while the bus is known to be down; a store outage
        // fails the append at once (or after the timeout), and then nothing was stored either.
        if (!(await bus.ready())) throw new DependencyUnavailableError('bus', 'the bus is not ready');
        const stored = await appendEvent(body.channel, input, id);
        rememberOwn(id);
        // Stored, so the answer is 200 from here on (a 503 now would make a retry store it twice).
        // Waking long polls and the bus record (other consumers of switchyard.events see it; our own
        // work consumer skips it by id) get what is left of the timeout, and go on after it.
        const envelope: Envelope = { id, message: 'event', to: { channel: body.channel }, data: input };
        const followUps = Promise.all([wake(body.channel), bus.publish('events', envelope)]);
        const unfinished = await settledBy(followUps, deadline);
        if (unfinished) log.warn({ api: 'events', id, channel: body.channel, reason: unfinished }, 'event stored; waking long polls or its bus record is late or failed');
        metrics.eventsPublishedTotal.inc({ api: 'events', message: 'event' });
        respond(k, emit, 200, stored);
      }, { validate: false });

      mount(router, latest, async (k) => {
        const secret = requireSecret(k);
        const query = { secret, channel: String(firstOf(k.query.channel) ?? ''), limit: parseLimit(k.query.limit) };
        if (!latest.query!({ ...query })) throw invalidContent(latest.query!.errors);
        respond(k, latest, 200, await store.events.latest(query.channel, query.limit));
      }, { validate: false });

      mount(router, about, (k) => respond(k, about, 200, aboutBody));
      mount(router, ping, (k, { params }) => respond(k, ping, 200, `pong/${String(params.token)}`));
    },

    async start() {
      subscription = await bus.subscribe('events', 'work', workHandler(spec, async (envelope, { value }) => {
        if (!storedHere.delete(envelope.id)) {
          await appendEvent(value, envelope.data as EventInput, envelope.id);
          await wake(value);
        }
        metrics.eventsDeliveredTotal.inc({ api: 'events', message: envelope.message });
      }));
    },

    async stop() {
      await subscription?.close();
    },
  };
}
