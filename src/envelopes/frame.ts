// Builds the wire frame of a published message from the spec alone: the payload's `const` values
// (e.g. `{stream: "games", payload: {action: "update", model: "api.game"}}`), then the published data
// at the message's data pointer, then any values the API's framing adds (e.g. games' `/payload/pk`).
import type { MessageEntry } from '../../generated';

type Obj = Record<string, unknown>;

/** Sets `value` at a JSON pointer (RFC 6901) inside `target`, creating objects on the way. */
export function setAt(target: Obj, pointer: string, value: unknown): void {
  const parts = pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node = target;
  for (const part of parts.slice(0, -1)) {
    if (typeof node[part] !== 'object' || node[part] === null) node[part] = {};
    node = node[part] as Obj;
  }
  node[parts[parts.length - 1]] = value;
}

/** The value at a JSON pointer (RFC 6901) inside `source`; undefined when there is none. */
export function getAt(source: unknown, pointer: string): unknown {
  let node = source;
  for (const part of pointer.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))) {
    if (typeof node !== 'object' || node === null || !Object.hasOwn(node, part)) return undefined;
    node = (node as Obj)[part];
  }
  return node;
}

/**
 * `pointer` defaults to the message's x-switchyard data pointer; an API passes its own for messages
 * it produces itself. With no pointer (or '') the data is the whole frame.
 */
export function buildFrame(
  entry: MessageEntry,
  data: unknown,
  extra: Readonly<Record<string, unknown>> = {},
  pointer: string | null | undefined = entry.publish?.dataPointer,
): unknown {
  if (pointer === '' || pointer === null || pointer === undefined) return data;
  const frame: Obj = {};
  for (const [at, value] of Object.entries(entry.consts)) if (at !== '') setAt(frame, at, value);
  for (const [at, value] of Object.entries(extra)) setAt(frame, at, value);
  setAt(frame, pointer, data);
  return frame;
}
