// The events API (events-rest-longpoll.md): per-channel event logs, long polling with a
// per-(clientId, channel) cursor, and emitting events. Events also travel the bus as
// `switchyard.events` records; the work consumer stores records from other producers.
import { randomUUID } from 'node:crypto';
import type { ApiModule, GatewayContext } from '../../gateway/context';
import { HttpError } from '../../http/errors';
import { clientGone, watchTopic } from '../../http/long-poll';
import { operation, respond } from '../../http/respond';
import type { Envelope, Subscription } from '../../ports/bus';
import type { NewEvent, StoredEvent } from '../../ports/store';
import { workHandler } from '../../routing/validated';
import { problems } from '../../validation/describe-errors';
import { firstOf, parseAfter, parseLimit, type PollQuery } from './query';
import { secretMatches } from './secret';

/** The publish `data` of an `event` message (spec: EventInput). */
interface EventInput {
  type: string;
  from: string;
  data?: Record<string, unknown>;
}

const topicOf = (channel: string) => `events:${channel}`;

export function eventsApi(ctx: GatewayContext): ApiModule {
  const { catalogues, store, bus, config, metrics } = ctx;
  const spec = catalogues.events;
  const poll = operation(spec, 'GET', '/events/v1/events');
  const emit = operation(spec, 'POST', '/events/v1/events');
  const about = operation(spec, 'GET', '/events/v1/about');
  const ping = operation(spec, 'GET', '/events/v1/ping/{token}');
  let subscription: Subscription | undefined;

  const checkSecret = (secret: string) => {
    if (!secretMatches(secret, config.apiSecret)) throw new HttpError(401, 'Invalid secret');
  };

  /** Stores an event once per record id, wakes that channel's long polls on every node. */
  const storeEvent = async (channel: string, input: EventInput, recordId: string): Promise<StoredEvent> => {
    const event: NewEvent = { timestamp: Date.now(), type: input.type, from: input.from };
    if (input.data !== undefined) event.data = input.data;
    const stored = await store.appendEvent(channel, event, recordId);
    await store.notify(topicOf(channel));
    return stored;
  };

  return {
    name: 'events',
    routes(router) {
      router.get('/events/v1/events', async (k) => {
        const q = k.query;
        const query: PollQuery = {
          clientId: String(firstOf(q.clientId) ?? ''),
          channel: String(firstOf(q.channel) ?? ''),
          secret: String(firstOf(q.secret) ?? ''),
          limit: parseLimit(q.limit),
        };
        const after = parseAfter(q.after);
        if (after !== undefined) query.after = after;
        // Presence and non-emptiness rules come from the spec's parameter schemas.
        if (!poll.query!({ ...query })) throw new HttpError(400, 'clientId, channel and secret are required', problems(poll.query!.errors));
        checkSecret(query.secret);

        // An explicit `after` is the client's acknowledgement: store it. Absent: load it.
        let cursor: number;
        if (query.after !== undefined) {
          cursor = query.after;
          await store.setCursor(query.clientId, query.channel, cursor);
        } else {
          cursor = (await store.getCursor(query.clientId, query.channel)) ?? 0;
        }

        const watch = watchTopic(store, topicOf(query.channel));
        try {
          let events = await store.readEvents(query.channel, cursor, query.limit);
          if (events.length === 0) {
            metrics.longPollsOpen.inc({ api: 'events' });
            const gone = clientGone(k);
            await watch.wait(config.pollTimeoutMs, [ctx.shutdown, gone]).finally(() => metrics.longPollsOpen.dec({ api: 'events' }));
            if (gone.aborted) return;
            events = await store.readEvents(query.channel, cursor, query.limit);
          }
          respond(k, poll, 200, events);
        } finally {
          watch.close();
        }
      });

      router.post('/events/v1/events', async (k) => {
        const body = k.request.body as Record<string, unknown> & EventInput & { channel: string; secret: string };
        const validate = emit.body['application/json'];
        if (!k.is('application/json') || !validate(body)) {
          throw new HttpError(400, 'clientId, channel, secret, from and type are required', problems(validate.errors));
        }
        checkSecret(body.secret);
        const input: EventInput = { type: body.type, from: body.from };
        if (body.data !== undefined) input.data = body.data;
        const id = randomUUID();
        const stored = await storeEvent(body.channel, input, id);
        // Other consumers of switchyard.events see it too; our own work consumer skips it by id.
        const envelope: Envelope = { id, message: 'event', to: { channel: body.channel }, data: input };
        await bus.publish('events', envelope);
        metrics.eventsPublishedTotal.inc({ api: 'events', message: 'event' });
        respond(k, emit, 200, stored);
      });

      router.get('/events/v1/about', (k) =>
        respond(k, about, 200, { name: 'switchyard-events', version: '1.0.0', description: 'Switchyard events API: REST long polling on per-channel event logs' }),
      );
      router.get('/events/v1/ping/:token', (k) => respond(k, ping, 200, `pong/${k.params.token}`, 'text/plain'));
    },

    async start() {
      subscription = await bus.subscribe('events', 'work', workHandler(spec, async (envelope, { value }) => {
        await storeEvent(value, envelope.data as EventInput, envelope.id);
        metrics.eventsDeliveredTotal.inc({ api: 'events', message: envelope.message });
      }));
    },

    async stop() {
      await subscription?.close();
    },
  };
}
