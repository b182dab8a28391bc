// Validators for what Switchyard sends (responses, messages), relaxed to the question the spec check
// asks of a consumer's expectation: "is everything you rely on promised?". A consumer may ignore
// fields, so `required` is dropped; with it dropped two `oneOf` branches may both fit, so `oneOf`
// reads as `anyOf`. Everything else stays: closed objects (a field the spec lacks), types, formats,
// enums and consts. Compiled from the specs by the generator's own model and ajv setup.
// (The generator's model and ajv setup ship in the package, compiled, for this; its spec loader,
// which needs the AsyncAPI and OpenAPI parsers, does not.)
import type { ValidateFunction } from 'ajv';
import { buildApiModel } from '../../scripts/codegen/catalogue';
import type { Json } from '../../scripts/codegen/pointer';
import type { Spec } from '../../scripts/codegen/specs';
import { createAjv, SPEC_BASE } from '../../scripts/codegen/validators';
import { specDocuments } from './specs';

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
  const specs: Spec[] = specDocuments().map(({ file, path, raw }) => {
    const [api, kind] = file.split('.');
    return { file, path, api, kind: kind as Spec['kind'], raw: relax(raw) as Json };
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
