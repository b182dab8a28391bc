// Validators for what Switchyard sends (responses, messages), relaxed to the question the spec check
// asks of a consumer's expectation: "is everything you rely on promised?". A consumer may ignore
// fields, so `required` is dropped; with it dropped two `oneOf` branches may both fit, so `oneOf`
// reads as `anyOf`. Everything else stays: closed objects (a field the spec lacks), types, formats,
// enums and consts. Compiled from the specs by the generator's own model and ajv setup.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { buildApiModel } from '../../scripts/codegen/catalogue';
import type { Json } from '../../scripts/codegen/pointer';
import { listSpecFiles, type Spec } from '../../scripts/codegen/specs';
import { createAjv, SPEC_BASE } from '../../scripts/codegen/validators';

const SPECS_DIR = join(__dirname, '..', '..', 'specs');

function relax(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(relax);
  if (typeof node !== 'object' || node === null) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'required' && Array.isArray(value)) continue;
    out[key === 'oneOf' ? 'anyOf' : key] = relax(value);
  }
  return out;
}

export interface Relaxed {
  message(api: string, id: string): ValidateFunction | undefined;
  response(api: string, operationId: string, status: string, contentType: string): ValidateFunction | undefined;
}

export function relaxedValidators(): Relaxed {
  const specs: Spec[] = listSpecFiles(SPECS_DIR).map((file) => {
    const [api, kind] = file.split('.');
    const raw = relax(parse(readFileSync(join(SPECS_DIR, file), 'utf8'))) as Json;
    return { file, path: join(SPECS_DIR, file), api, kind: kind as Spec['kind'], raw };
  });
  const ajv = createAjv(specs);
  const models = new Map([...new Set(specs.map((s) => s.api))].map((api) => [api, buildApiModel(api, specs.filter((s) => s.api === api))]));
  const compiled = new Map<string, ValidateFunction>();

  /** Compiles a validator of an API's model by name, once. */
  const named = (api: string, name: string | undefined): ValidateFunction | undefined => {
    const def = name === undefined ? undefined : models.get(api)?.validators.find((v) => v.name === name);
    if (!def) return undefined;
    const key = `${api}/${def.name}`;
    if (!compiled.has(key)) compiled.set(key, ajv.compile({ ...def.schema, $id: `${SPEC_BASE}relaxed/${key}` }));
    return compiled.get(key);
  };

  return {
    message: (api, id) => named(api, models.get(api)?.messages.find((m) => m.id === id)?.validator),
    response: (api, operationId, status, contentType) =>
      named(api, models.get(api)?.operations.find((o) => o.operationId === operationId)?.responses[status]?.[contentType]),
  };
}
