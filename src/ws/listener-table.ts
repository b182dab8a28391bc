import type { EventEmitter } from 'node:events';

interface EmitterInternals {
  _events: Record<string, unknown>;
  _eventsCount: number;
}

/**
 * Gives a socket a listener table with a slot for every event it will listen to, before the
 * listeners are added. An EventEmitter keeps its listeners in `_events`, made as an empty object
 * without a prototype, which V8 stores as a hash table: ~160 bytes, ~250 from the fourth event name
 * on. An object made with its keys in place holds them inline in ~50 bytes, which at 10k idle
 * sockets is most of the difference to a bare `ws` server. Node's own streams pre-shape `_events`
 * the same way. Listeners already added are kept.
 */
export function shapeListeners(emitter: EventEmitter, events: readonly string[]): void {
  const internals = emitter as unknown as EmitterInternals;
  const before = internals._events;
  const table: Record<string, unknown> = {};
  for (const name of events) table[name] = undefined;
  for (const name of Object.keys(before)) table[name] = before[name];
  internals._events = table;
}
