// The `x-switchyard` rules of a spec: spelt right, only known keys (switchyard-keys.ts), and audience
// keys the API can route.
import type { ApiModel } from './catalogue';
import { atPointer, escapePointer, followRefs, isObject } from './pointer';
import type { Spec } from './specs';
import { SWITCHYARD_KEYS, type SwitchyardPlace } from './switchyard-keys';

const KEY = 'x-switchyard';

/** Misspelt `x-switchyard` keys anywhere, and keys `x-switchyard` does not know where it sits. */
export function lintSwitchyardKeys(spec: Spec): string[] {
  const problems: string[] = [];
  const fail = (at: string, message: string) => problems.push(`${spec.file}: ${at}: ${message}`);
  const walk = (node: unknown, path: string[]): void => {
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, [...path, String(i)]));
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key === 'example' || key === 'examples') continue; // free data
      const at = pointerOf([...path, key]);
      if (key === KEY) checkRule(value, placeOf(spec, path), at, fail);
      else if (/^x-/i.test(key) && distance(key.toLowerCase(), KEY) <= 2) fail(at, `unknown extension "${key}": did you mean "${KEY}"?`);
      else walk(value, [...path, key]);
    }
  };
  walk(spec.raw, []);
  return problems;
}

function checkRule(rule: unknown, place: SwitchyardPlace | undefined, at: string, fail: (at: string, message: string) => void): void {
  const known: readonly string[] = place ? SWITCHYARD_KEYS[place] : [];
  if (!known.length) {
    const places = Object.entries(SWITCHYARD_KEYS).filter(([, keys]) => keys.length).map(([p]) => p);
    return fail(at, `${KEY} is not read here (only on: ${places.join(', ')})`);
  }
  if (!isObject(rule)) return; // the catalogue reports the shape
  for (const key of Object.keys(rule)) {
    if (known.includes(key)) continue;
    const near = known.find((k) => distance(k, key) <= 2);
    fail(`${at}/${escapePointer(key)}`, `unknown ${KEY} key "${key}"${near ? `: did you mean "${near}"?` : ''} (known on a ${place}: ${known.join(', ')})`);
  }
}

/** What an `x-switchyard` at this path applies to, by the AsyncAPI document's structure. */
function placeOf(spec: Spec, path: string[]): SwitchyardPlace | undefined {
  if (spec.kind !== 'asyncapi') return undefined;
  const p = path[0] === 'components' ? path.slice(1) : path;
  if (p.length === 2 && p[0] === 'messages') return 'message';
  if (p.length === 4 && p[0] === 'channels' && p[2] === 'messages') return 'message';
  if (p.length === 2 && p[0] === 'channels') return 'channel';
  if (p.length === 2 && p[0] === 'operations') return 'operation';
  if (p.length === 2 && p[0] === 'servers') return 'server';
  return undefined;
}

/**
 * Every `x-switchyard.audience` key must be one the API groups by: a property of `to` in the
 * payload of its Kafka channel's message (the Envelope), through `$ref`, `oneOf`, `anyOf`, `allOf`.
 */
export function lintAudiences(spec: Spec, model: ApiModel): string[] {
  if (spec.kind !== 'asyncapi') return [];
  const doc = spec.raw;
  const envelopes = model.messages.filter((m) => m.protocol === 'kafka').map((m) => followRefs(doc, `#/components/messages/${escapePointer(m.id)}/payload`));
  const routable = new Set(envelopes.flatMap((payload) => propertyNames(doc, `${payload}/properties/to`)));
  const problems: string[] = [];
  const messages = isObject(doc.components) && isObject(doc.components.messages) ? doc.components.messages : {};
  for (const [id, message] of Object.entries(messages)) {
    const audience = isObject(message) && isObject(message[KEY]) ? message[KEY].audience : undefined;
    if (!Array.isArray(audience)) continue;
    audience.forEach((key, i) => {
      if (typeof key !== 'string' || routable.has(key)) return;
      const why = routable.size
        ? `the API routes by ${[...routable].join(', ')} (the properties of \`to\` in its Kafka envelope)`
        : 'the API has no Kafka channel whose envelope names `to` keys';
      problems.push(`${spec.file}: /components/messages/${escapePointer(id)}/${KEY}/audience/${i}: audience key "${key}" cannot be routed: ${why}`);
    });
  }
  return problems;
}

/** Property names a schema can carry, following same-file refs and the combinators. */
function propertyNames(doc: Record<string, unknown>, pointer: string, depth = 0): string[] {
  if (!pointer.startsWith('#') || depth > 16) return []; // another file's schema: not followed
  const resolved = followRefs(doc, pointer);
  const schema = resolved.startsWith('#') ? atPointer(doc, resolved) : undefined;
  if (!isObject(schema)) return [];
  const names = isObject(schema.properties) ? Object.keys(schema.properties) : [];
  for (const combinator of ['oneOf', 'anyOf', 'allOf']) {
    const list = schema[combinator];
    if (Array.isArray(list)) list.forEach((_, i) => names.push(...propertyNames(doc, `${resolved}/${combinator}/${i}`, depth + 1)));
  }
  return names;
}

const pointerOf = (path: string[]): string => path.map((s) => `/${escapePointer(s)}`).join('');

/** Levenshtein distance: a misspelling is a couple of edits away. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}
