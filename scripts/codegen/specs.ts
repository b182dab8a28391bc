// Loads every spec in a folder and validates it with the official parsers. Problems come back as
// `file: path: message` lines, never as exceptions, so one run reports all of them.
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Parser, type AsyncAPIDocumentInterface } from '@asyncapi/parser';
import { validate as validateOpenApi } from '@readme/openapi-parser';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { nameSchemas } from './name-schemas';
import { isObject, type Json } from './pointer';

export interface Spec {
  /** Spec file name, e.g. `pizza.asyncapi.yaml`. */
  file: string;
  /** Absolute path. */
  path: string;
  /** The API (or `gateway`) the file belongs to: its name up to the first dot. */
  api: string;
  kind: 'asyncapi' | 'openapi';
  raw: Json;
  /** The parsed document, for AsyncAPI files. */
  document?: AsyncAPIDocumentInterface;
}

const SPEC_FILE = /^([a-z][a-z0-9-]*)\.(asyncapi|openapi)\.ya?ml$/;

export function listSpecFiles(dir: string): string[] {
  return readdirSync(dir).filter((f) => SPEC_FILE.test(f)).sort();
}

export async function loadSpecs(dir: string): Promise<{ specs: Spec[]; errors: string[] }> {
  const specs: Spec[] = [];
  const errors: string[] = [];
  for (const file of listSpecFiles(dir)) {
    const path = resolve(join(dir, file));
    const [, api, kind] = SPEC_FILE.exec(file) as RegExpExecArray;
    let raw: Json;
    try {
      const parsed: unknown = parseYaml(readFileSync(path, 'utf8'));
      if (!isObject(parsed)) throw new Error('the document is not a YAML mapping');
      raw = parsed;
    } catch (e) {
      const where = e instanceof YAMLParseError && e.linePos ? `line ${e.linePos[0].line}` : '(document)';
      errors.push(`${file}: ${where}: ${(e as Error).message.split('\n')[0]}`);
      continue;
    }
    const spec: Spec = { file, path, api, kind: kind as Spec['kind'], raw };
    errors.push(...(kind === 'asyncapi' ? await parseAsyncApi(spec) : await checkOpenApi(spec)));
    specs.push(spec);
  }
  return { specs, errors };
}

async function parseAsyncApi(spec: Spec): Promise<string[]> {
  // Name inline schemas before the parser numbers them anonymously (see name-schemas.ts).
  const input = structuredClone(spec.raw);
  nameSchemas(input);
  const { document, diagnostics } = await new Parser().parse(input as { asyncapi: string }, { source: spec.path });
  spec.document = document;
  return diagnostics
    .filter((d) => d.severity === 0)
    .map((d) => `${spec.file}: /${d.path.join('/')}: ${d.message}`);
}

async function checkOpenApi(spec: Spec): Promise<string[]> {
  try {
    const result = await validateOpenApi(spec.path);
    if (result.valid) return [];
    return result.errors.map((e) => `${spec.file}: ${openApiErrorPath(e.message)}: ${e.message.split('\n')[0]}`);
  } catch (e) {
    return [`${spec.file}: (document): ${(e as Error).message.split('\n')[0]}`];
  }
}

/** The validator's messages name the failing location in quotes or backticks: pick it out. */
function openApiErrorPath(message: string): string {
  const m = /[`"']#?(\/[^`"'\s]*)[`"']/.exec(message);
  return m ? m[1] : '(document)';
}
