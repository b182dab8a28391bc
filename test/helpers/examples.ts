// Example payloads straight from the specs, so tests use the documented shapes.
import { rawSpecs } from './specs';

type Json = Record<string, any>;

/** The payload of example `index` of message `id` in `<api>.asyncapi.yaml`. */
export function messageExample(api: string, id: string, index = 0): any {
  const spec = rawSpecs().find((s) => s.file === `${api}.asyncapi.yaml`);
  const message = ((spec?.raw.components as Json)?.messages as Json)?.[id];
  if (!message) throw new Error(`no message ${id} in ${api}`);
  return structuredClone(message.examples[index].payload);
}

/** A complete GAME_SNAPSHOT from the spec's `update` example, with the given id and state. */
export function gameSnapshot(id: number, state = 'players_waiting'): any {
  const snapshot = messageExample('games', 'update').payload.data;
  return { ...snapshot, id, state, players: [] };
}
