// JSON pointer and same-file $ref helpers for walking raw spec documents.
export type Json = Record<string, unknown>;

export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

export const escapePointer = (segment: string): string => segment.replace(/~/g, '~0').replace(/\//g, '~1');

export function pointerSegments(pointer: string): string[] {
  if (pointer === '' || pointer === '#') return [];
  return pointer.replace(/^#/, '').slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function atPointer(doc: unknown, pointer: string): unknown {
  let node: unknown = doc;
  for (const segment of pointerSegments(pointer)) {
    if (Array.isArray(node)) node = node[Number(segment)];
    else if (isObject(node)) node = node[segment];
    else return undefined;
  }
  return node;
}

/**
 * Follows a chain of same-file `$ref`s starting at `pointer`; returns the pointer of the schema it
 * lands on. A ref into another file is returned as it is (with the file part).
 */
export function followRefs(doc: Json, pointer: string): string {
  for (let hops = 0; hops < 32; hops++) {
    const node = atPointer(doc, pointer);
    if (!isObject(node) || typeof node.$ref !== 'string') return pointer;
    if (!node.$ref.startsWith('#')) return node.$ref;
    pointer = node.$ref;
  }
  throw new Error(`$ref chain too long at ${pointer}`);
}

/**
 * The schema pointer that describes the value found at `dataPointer` inside instances of the schema
 * at `schemaPointer`, walking `properties` and same-file refs. Undefined when there is none.
 */
export function schemaForData(doc: Json, schemaPointer: string, dataPointer: string): string | undefined {
  let pointer = followRefs(doc, schemaPointer);
  for (const segment of pointerSegments(dataPointer)) {
    if (!pointer.startsWith('#')) return undefined;
    pointer = followRefs(doc, `${pointer}/properties/${escapePointer(segment)}`);
    if (atPointer(doc, pointer) === undefined) return undefined;
  }
  return pointer;
}

/** `const` values found under `properties` of a schema (not inside arrays), keyed by data pointer. */
export function constsOf(doc: Json, schemaPointer: string, at = ''): Record<string, unknown> {
  const pointer = followRefs(doc, schemaPointer);
  const schema = pointer.startsWith('#') ? atPointer(doc, pointer) : undefined;
  if (!isObject(schema)) return {};
  const found: Record<string, unknown> = {};
  if ('const' in schema) found[at] = schema.const;
  if (isObject(schema.properties)) {
    for (const prop of Object.keys(schema.properties)) {
      Object.assign(found, constsOf(doc, `${pointer}/properties/${escapePointer(prop)}`, `${at}/${escapePointer(prop)}`));
    }
  }
  return found;
}

/** The component name a schema pointer names, e.g. `#/components/schemas/Pizza` -> `Pizza`. */
export function componentName(pointer: string): string | undefined {
  const m = /^#\/components\/schemas\/([^/]+)$/.exec(pointer);
  return m ? m[1] : undefined;
}
