// Every example in a spec must validate against the schema it illustrates.
import type Ajv2020 from 'ajv/dist/2020';
import type { Spec } from './specs';
import { escapePointer, isObject } from './pointer';
import { specRef } from './validators';

interface Example {
  /** Where the example sits, as a JSON pointer in the spec. */
  at: string;
  /** Pointer of the schema it must satisfy. */
  schema: string;
  value: unknown;
}

export function examplesOf(spec: Spec): Example[] {
  const found: Example[] = [];
  const doc = spec.raw;
  const components = isObject(doc.components) ? doc.components : {};
  const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
  const map = (v: unknown): [string, unknown][] => (isObject(v) ? Object.entries(v) : []);

  for (const [name, schema] of map(components.schemas)) {
    const at = `#/components/schemas/${escapePointer(name)}`;
    if (isObject(schema)) list(schema.examples).forEach((value, i) => found.push({ at: `${at}/examples/${i}`, schema: at, value }));
  }
  if (spec.kind === 'asyncapi') {
    for (const [name, message] of map(components.messages)) {
      const at = `#/components/messages/${escapePointer(name)}`;
      if (!isObject(message)) continue;
      list(message.examples).forEach((ex, i) => {
        if (isObject(ex) && 'payload' in ex) found.push({ at: `${at}/examples/${i}`, schema: `${at}/payload`, value: ex.payload });
      });
    }
    return found;
  }
  // OpenAPI: examples on media types (request bodies and responses) and on parameters.
  const media = (at: string, content: unknown) => {
    for (const [type, m] of map(content)) {
      const mediaAt = `${at}/content/${escapePointer(type)}`;
      if (!isObject(m) || !m.schema) continue;
      for (const [name, ex] of map(m.examples)) {
        if (isObject(ex) && 'value' in ex) found.push({ at: `${mediaAt}/examples/${escapePointer(name)}`, schema: `${mediaAt}/schema`, value: ex.value });
      }
      if ('example' in m) found.push({ at: `${mediaAt}/example`, schema: `${mediaAt}/schema`, value: m.example });
    }
  };
  for (const [path, item] of map(doc.paths)) {
    for (const [method, op] of map(item)) {
      if (!isObject(op)) continue;
      const at = `#/paths/${escapePointer(path)}/${method}`;
      if (isObject(op.requestBody)) media(`${at}/requestBody`, op.requestBody.content);
      for (const [status, response] of map(op.responses)) {
        if (isObject(response)) media(`${at}/responses/${escapePointer(status)}`, response.content);
      }
      list(op.parameters).forEach((p, i) => {
        if (!isObject(p) || !p.schema) return;
        for (const [name, ex] of map(p.examples)) {
          if (isObject(ex) && 'value' in ex) found.push({ at: `${at}/parameters/${i}/examples/${escapePointer(name)}`, schema: `${at}/parameters/${i}/schema`, value: ex.value });
        }
      });
    }
  }
  for (const [name, body] of map(components.requestBodies)) {
    if (isObject(body)) media(`#/components/requestBodies/${escapePointer(name)}`, body.content);
  }
  for (const [name, response] of map(components.responses)) {
    if (isObject(response)) media(`#/components/responses/${escapePointer(name)}`, response.content);
  }
  return found;
}

/** Problems as `file: path: message`. Query parameters are checked with a coercing instance. */
export function checkExamples(spec: Spec, ajv: Ajv2020, coercing: Ajv2020): string[] {
  const errors: string[] = [];
  for (const ex of examplesOf(spec)) {
    const isParam = ex.at.includes('/parameters/');
    const validate = (isParam ? coercing : ajv).compile({ $ref: specRef(spec, ex.schema) });
    if (validate(structuredClone(ex.value))) continue;
    const first = validate.errors?.[0];
    errors.push(`${spec.file}: ${ex.at.slice(1)}: example does not match its schema: ${first?.instancePath || '(root)'} ${first?.message ?? ''}`);
  }
  return errors;
}
