// The specs as documents (specs/*.yaml of this package), for what the generated code does not carry:
// the examples a provider state or a message is made from, and the schemas the spec check relaxes.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { packageRoot } from '../package-root';

export type Json = Record<string, any>;

export interface SpecDocument {
  file: string;
  path: string;
  raw: Json;
}

let cached: SpecDocument[] | undefined;

export function specDocuments(): SpecDocument[] {
  if (!cached) {
    const dir = join(packageRoot(__dirname).dir, 'specs');
    cached = readdirSync(dir)
      .filter((f) => f.endsWith('.yaml'))
      .sort()
      .map((file) => ({ file, path: join(dir, file), raw: parse(readFileSync(join(dir, file), 'utf8')) as Json }));
  }
  return cached;
}

/** The payload of example `index` of message `id` in `<api>.asyncapi.yaml`. */
export function messageExample(api: string, id: string, index = 0): any {
  const spec = specDocuments().find((s) => s.file === `${api}.asyncapi.yaml`);
  const message = (spec?.raw.components as Json | undefined)?.messages?.[id] as Json | undefined;
  if (!message?.examples?.[index]) throw new Error(`no example ${index} of message ${id} in ${api}`);
  return structuredClone(message.examples[index].payload);
}

/** A complete GAME_SNAPSHOT from the spec's `update` example, with the given id and state. */
export function gameSnapshot(id: number, state = 'players_waiting'): any {
  const snapshot = messageExample('games', 'update').payload.data;
  return { ...snapshot, id, state, players: [] };
}
