// The parts of an AsyncAPI document the console needs: a message's payload schema (local $refs
// resolved), the schema and example value at the message's data pointer.
import { parse } from 'yaml';
import { call } from './api';

export type Schema = Record<string, unknown>;
type Doc = Record<string, unknown>;

const docs = new Map<string, Promise<Doc>>();

export function loadSpec(file: string): Promise<Doc> {
  let doc = docs.get(file);
  if (!doc) {
    doc = call<string>(`/console/api/specs/${file}`).then((a) => {
      if (a.status !== 200) throw new Error(`${file}: ${a.status}`);
      return parse(a.body) as Doc;
    });
    docs.set(file, doc);
  }
  return doc;
}

function at(doc: unknown, pointer: string): unknown {
  let value = doc;
  for (const part of pointer.replace(/^#/, '').split('/').slice(1)) {
    value = (value as Record<string, unknown> | undefined)?.[decodeURIComponent(part).replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  return value;
}

/** The schema with its local $refs followed (at its top level, and on the way down). */
export function deref(doc: Doc, schema: unknown, depth = 0): Schema {
  let s = schema as Schema | undefined;
  for (let i = 0; s && typeof s.$ref === 'string' && i < 20; i++) s = at(doc, s.$ref) as Schema | undefined;
  return depth > 20 ? {} : (s ?? {});
}

export interface MessageSpec {
  /** The schema of what a publisher gives as `data`. */
  dataSchema: Schema;
  /** The spec's first example of it, if any. */
  example: unknown;
}

export function messageSpec(doc: Doc, messageId: string, dataPointer: string | null): MessageSpec {
  const message = deref(doc, (at(doc, '#/components/messages') as Record<string, unknown>)[messageId]);
  let schema = deref(doc, message.payload);
  const examples = (message.examples as Array<{ payload?: unknown }> | undefined) ?? [];
  let example = examples[0]?.payload;
  for (const part of (dataPointer ?? '').split('/').slice(1)) {
    schema = deref(doc, (schema.properties as Record<string, unknown> | undefined)?.[part]);
    example = (example as Record<string, unknown> | undefined)?.[part];
  }
  return { dataSchema: schema, example };
}
