// The parts of a V4 pact file the contract stages read (https://github.com/pact-foundation/pact-specification/tree/version-4).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

export interface Body {
  content?: unknown;
  contentType?: string;
  encoded?: boolean | string;
}

interface Common {
  description: string;
  providerStates?: Array<{ name: string; params?: Record<string, unknown> }>;
}

export interface HttpInteraction extends Common {
  type: 'Synchronous/HTTP';
  request: { method: string; path: string; query?: Record<string, string[]>; headers?: Record<string, string[]>; body?: Body };
  response: { status: number; headers?: Record<string, string[]>; body?: Body };
}

export interface MessageInteraction extends Common {
  type: 'Asynchronous/Messages';
  contents: Body;
  metadata?: Record<string, unknown>;
}

export type Interaction = HttpInteraction | MessageInteraction | (Common & { type: string });

export interface PactFile {
  /** File name, for messages. */
  file: string;
  consumer: string;
  provider: string;
  interactions: Interaction[];
  /** A broker's pending pact: its failures are reported, not counted. */
  pending?: boolean;
}

export function readPact(path: string): PactFile {
  return parsePact(readFileSync(path, 'utf8'), basename(path));
}

/** A pact from its JSON text; `file` names it in messages. Throws when it is not a pact. */
export function parsePact(text: string, file: string): PactFile {
  let json: { consumer?: { name?: string }; provider?: { name?: string }; interactions?: Interaction[] } | null;
  try {
    json = JSON.parse(text) as typeof json;
  } catch (err) {
    // A broker's HTML error page or a truncated file: say which pact, not just where JSON.parse stopped.
    throw new Error(`${file} is not JSON (${(err as Error).message})`);
  }
  if (typeof json?.consumer?.name !== 'string' || typeof json.provider?.name !== 'string') throw new Error(`${file} is not a pact (no consumer and provider names)`);
  if (json.interactions !== undefined && !Array.isArray(json.interactions)) throw new Error(`${file} is not a pact (interactions is not a list)`);
  return { file, consumer: json.consumer.name, provider: json.provider.name, interactions: json.interactions ?? [] };
}

export const isHttp = (i: Interaction): i is HttpInteraction => i.type === 'Synchronous/HTTP';
export const isMessage = (i: Interaction): i is MessageInteraction => i.type === 'Asynchronous/Messages';

/** How problems name an interaction: `<consumer> "<description>"`. */
export const nameOf = (pact: PactFile, i: Interaction): string => `${pact.consumer} "${i.description}"`;
