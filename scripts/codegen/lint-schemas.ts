// Unknown keywords in the JSON Schemas of a spec (`tpye: integer` leaves a field unvalidated, since
// ajv compiles the specs non-strictly). Every schema is validated against the official JSON Schema
// 2020-12 meta-schema (shipped with ajv) extended into a strict dialect: the keywords the OpenAPI
// 3.1 and AsyncAPI 3 schema objects add, `x-*` extensions, and nothing else. The dialect binds
// `$dynamicAnchor: meta`, so every nested schema (properties, items, allOf...) is held to it too;
// property names, `enum`/`const`/`default`/`examples` values are data, not keywords.
import Ajv2020, { type ErrorObject } from 'ajv/dist/2020';
import { escapePointer, isObject } from './pointer';
import type { Spec } from './specs';

const STRICT_DIALECT = {
  $id: 'https://switchyard.local/meta/strict-schema',
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $dynamicAnchor: 'meta',
  allOf: [{ $ref: 'https://json-schema.org/draft/2020-12/schema' }],
  properties: {
    // OpenAPI 3.1 base vocabulary (an object) and AsyncAPI 3 (a property name).
    discriminator: { type: ['object', 'string'] },
    example: true,
    externalDocs: { type: 'object' },
    xml: { type: 'object' },
  },
  patternProperties: { '^x-': true },
  unevaluatedProperties: false,
};

let validateSchema: ReturnType<Ajv2020['compile']> | undefined;
function strictMetaSchema(): ReturnType<Ajv2020['compile']> {
  validateSchema ??= new Ajv2020({ allErrors: true, strict: false }).compile(STRICT_DIALECT);
  return validateSchema;
}

/** `file: path: message` for every unknown keyword or malformed keyword value in the spec's schemas. */
export function lintSchemas(spec: Spec): string[] {
  const validate = strictMetaSchema();
  const problems: string[] = [];
  for (const [at, schema] of schemaRoots(spec)) {
    if (validate(schema)) continue;
    const seen = new Set<string>();
    for (const e of validate.errors ?? []) {
      const line = describe(at, e);
      // One line per location: a bad `type` fails enum, type and anyOf of the meta-schema at once.
      const where = line.slice(0, line.indexOf(': '));
      if (seen.has(where)) continue;
      seen.add(where);
      problems.push(`${spec.file}: ${line}`);
    }
  }
  return problems;
}

function describe(at: string, e: ErrorObject): string {
  if (e.keyword === 'unevaluatedProperties') {
    const key = String((e.params as { unevaluatedProperty: string }).unevaluatedProperty);
    return `${at}${e.instancePath}/${escapePointer(key)}: unknown JSON Schema keyword "${key}"`;
  }
  const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues;
  return `${at}${e.instancePath}: invalid schema: ${e.message}${allowed ? ` (${allowed.join(', ')})` : ''}`;
}

/**
 * Where schemas sit in the document, as [pointer, schema]. OpenAPI: `components/schemas` and every
 * `schema` of a parameter, header or media type. AsyncAPI: `components/schemas`, message `payload`
 * and `headers`, and the schema-valued fields of bindings.
 */
function schemaRoots(spec: Spec): [string, unknown][] {
  const roots: [string, unknown][] = [];
  const components = isObject(spec.raw.components) ? spec.raw.components : {};
  for (const [name, schema] of Object.entries(isObject(components.schemas) ? components.schemas : {})) {
    roots.push([`/components/schemas/${escapePointer(name)}`, schema]);
  }
  const isSchemaKey = spec.kind === 'openapi' ? (key: string) => key === 'schema' : asyncApiSchemaKey;
  const walk = (node: unknown, at: string, path: string[]): void => {
    if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${at}/${i}`, [...path, String(i)]));
    if (!isObject(node)) return;
    for (const [key, value] of Object.entries(node)) {
      if (key.startsWith('x-') || key === 'example' || key === 'examples') continue; // free data
      const here = `${at}/${escapePointer(key)}`;
      if (isSchemaKey(key, path) && (isObject(value) || typeof value === 'boolean')) roots.push([here, value]);
      else walk(value, here, [...path, key]);
    }
  };
  for (const [key, value] of Object.entries(spec.raw)) {
    if (key === 'components') {
      for (const [section, v] of Object.entries(components)) {
        if (section !== 'schemas') walk(v, `/components/${escapePointer(section)}`, ['components', section]);
      }
    } else if (!key.startsWith('x-')) walk(value, `/${escapePointer(key)}`, [key]);
  }
  return roots;
}

/** Message payload/headers (`.../messages/<id>/payload`, traits) and schema fields of bindings. */
function asyncApiSchemaKey(key: string, path: string[]): boolean {
  const [parent, self] = path.slice(-2);
  if (parent === 'bindings') return (BINDING_SCHEMAS[self] ?? []).includes(key);
  return (key === 'payload' || key === 'headers') && (parent === 'messages' || parent === 'messageTraits' || parent === 'traits');
}

/** Binding fields that are Schema Objects (AsyncAPI bindings repository). */
const BINDING_SCHEMAS: Record<string, string[]> = {
  kafka: ['key', 'groupId', 'clientId'],
  ws: ['headers', 'query'],
  http: ['query'],
};
