// Loads the original events service's own Node client, `ganomede-events` 1.5.3 from npm, unmodified.
// Its config module runs at require time: it throws unless API_SECRET is a non-empty string (the
// client itself sends the secret it is given, not this one) and unless LOG_LEVEL is one of bunyan's
// names, so both are set for the require and put back after it.
import type { Client as ClientClass } from 'ganomede-events/build/src/client/Client';
import type { Cursor as CursorClass } from 'ganomede-events/build/src/client/Cursor';
import type { EventsClient as EventsClientClass } from 'ganomede-events/build/src/client/EventsClient';

export interface GanomedeEvents {
  Client: typeof ClientClass;
  EventsClient: typeof EventsClientClass;
  Cursor: typeof CursorClass;
}

export function loadGanomedeEvents(): GanomedeEvents {
  const saved = { API_SECRET: process.env.API_SECRET, LOG_LEVEL: process.env.LOG_LEVEL };
  process.env.API_SECRET = saved.API_SECRET || 'required-at-require-time';
  process.env.LOG_LEVEL = 'FATAL';
  try {
    /* eslint-disable @typescript-eslint/no-require-imports */
    return {
      Client: require('ganomede-events').Client,
      EventsClient: require('ganomede-events/build/src/client/EventsClient').EventsClient,
      Cursor: require('ganomede-events/build/src/client/Cursor').Cursor,
    };
    /* eslint-enable @typescript-eslint/no-require-imports */
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** The options every client of the original takes to reach a server: `http://127.0.0.1:<port>/events/v1`. */
export function serverOptions(gatewayUrl: string): { protocol: string; hostname: string; port: number } {
  const url = new URL(gatewayUrl);
  return { protocol: url.protocol.replace(/:$/, ''), hostname: url.hostname, port: Number(url.port) };
}
