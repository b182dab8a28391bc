// fast-check arbitraries from JSON schemas (the dereferenced schemas of the OpenAPI specs): values
// that validate, mostly, so a fuzzed request gets past the first check and reaches what is behind it.
import fc from 'fast-check';

type Schema = Record<string, unknown> & {
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  additionalProperties?: boolean | Schema;
};

const MAX_DEPTH = 6;
const anyJson = fc.jsonValue({ maxDepth: 2 });

export function arbitraryOf(schema: Schema | boolean | undefined, depth = 0): fc.Arbitrary<unknown> {
  if (schema === undefined || schema === true || depth > MAX_DEPTH) return anyJson;
  if (schema === false) return fc.constant(null);
  if ('const' in schema) return fc.constant(schema.const);
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as unknown[]));
  const choices = (schema.oneOf ?? schema.anyOf) as Schema[] | undefined;
  if (Array.isArray(choices)) return fc.oneof(...choices.map((s) => arbitraryOf(s, depth + 1)));
  if (Array.isArray(schema.allOf)) return arbitraryOf(Object.assign({}, ...(schema.allOf as Schema[])), depth);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ['object'] : schema.items ? ['array'] : [];
  if (types.length === 0) return anyJson;
  return fc.oneof(...types.map((t) => typed(t, schema, depth)));
}

function typed(type: string, schema: Schema, depth: number): fc.Arbitrary<unknown> {
  const num = (key: string) => (typeof schema[key] === 'number' ? (schema[key] as number) : undefined);
  switch (type) {
    case 'string':
      return stringOf(schema);
    case 'integer':
      return fc.integer({ min: num('minimum') ?? -1_000_000, max: num('maximum') ?? 1_000_000_000 });
    case 'number':
      return fc.double({ min: num('minimum') ?? -1e9, max: num('maximum') ?? 1e12, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(arbitraryOf(schema.items, depth + 1), { minLength: num('minItems') ?? 0, maxLength: Math.max(num('minItems') ?? 0, Math.min(num('maxItems') ?? 4, 4)) });
    case 'object':
      return objectOf(schema, depth);
    default:
      return anyJson;
  }
}

function stringOf(schema: Schema): fc.Arbitrary<string> {
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  const maxLength = typeof schema.maxLength === 'number' ? schema.maxLength : Math.max(minLength, 40);
  switch (schema.format) {
    case 'uri':
      return fc.webUrl();
    case 'date-time':
      return fc.date({ min: new Date(0), max: new Date(4_102_444_800_000) }).map((d) => d.toISOString());
    case 'date':
      return fc.date({ min: new Date(0), max: new Date(4_102_444_800_000) }).map((d) => d.toISOString().slice(0, 10));
    case 'uuid':
      return fc.uuid();
    case 'email':
      return fc.emailAddress();
  }
  if (typeof schema.pattern === 'string') {
    const pattern = new RegExp(schema.pattern);
    return fc.stringMatching(pattern).filter((s) => s.length >= minLength && s.length <= maxLength);
  }
  return fc.string({ minLength, maxLength });
}

function objectOf(schema: Schema, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const shape: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, sub] of Object.entries(properties)) shape[key] = arbitraryOf(sub, depth + 1);
  const known = fc.record(shape, { requiredKeys: (schema.required ?? []).filter((k) => k in properties) });
  const extra = schema.additionalProperties;
  if (extra === false) return known;
  const extraValues = typeof extra === 'object' ? arbitraryOf(extra, depth + 1) : anyJson;
  return fc
    .tuple(known, fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), extraValues, { maxKeys: typeof extra === 'object' ? 3 : 1 }))
    .map(([k, e]) => ({ ...e, ...k }));
}
