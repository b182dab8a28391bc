// Gives every inline sub-schema of components/schemas a model name derived from its place, so
// Modelina never falls back to AnonymousSchema_N. The parser keeps an x-parser-schema-id it finds.
type Json = Record<string, unknown>;

const pascal = (s: string): string =>
  s.replace(/(^|[^A-Za-z0-9]+)([A-Za-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase());

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Schemas that Modelina turns into a model of their own: objects, enums and unions. */
function becomesModel(s: Json): boolean {
  return 'properties' in s || 'enum' in s || 'oneOf' in s || 'anyOf' in s;
}

function nameInline(schema: unknown, name: string): void {
  if (!isObject(schema) || '$ref' in schema) return;
  if (becomesModel(schema) && !('x-parser-schema-id' in schema)) schema['x-parser-schema-id'] = name;
  if (isObject(schema.properties)) {
    for (const [prop, sub] of Object.entries(schema.properties)) nameInline(sub, name + pascal(prop));
  }
  if (isObject(schema.items)) nameInline(schema.items, name + 'Item');
  if (isObject(schema.additionalProperties)) nameInline(schema.additionalProperties, name + 'Value');
  for (const key of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = schema[key];
    if (Array.isArray(list)) list.forEach((sub, i) => nameInline(sub, `${name}${pascal(key)}${i}`));
  }
}

/** Mutates an AsyncAPI document (raw JSON) in place. */
export function nameSchemas(doc: Json): void {
  const components = isObject(doc.components) ? doc.components : {};
  const schemas = isObject(components.schemas) ? components.schemas : {};
  for (const [name, schema] of Object.entries(schemas)) nameInline(schema, name);
}
