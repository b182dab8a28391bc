// Reads the specs as raw documents for tests that derive cases from them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { listSpecFiles, type Spec } from '../../scripts/codegen/specs';
import { followRefs, atPointer, isObject, type Json } from '../../scripts/codegen/pointer';

export const SPECS_DIR = join(__dirname, '..', '..', 'specs');

export function rawSpecs(): { file: string; raw: Json }[] {
  return listSpecFiles(SPECS_DIR).map((file) => ({ file, raw: parse(readFileSync(join(SPECS_DIR, file), 'utf8')) as Json }));
}

/** The schema object at a same-file pointer, following refs. */
export function schemaAt(doc: Json, pointer: string): Json | undefined {
  const target = followRefs(doc, pointer);
  const node = target.startsWith('#') ? atPointer(doc, target) : undefined;
  return isObject(node) ? node : undefined;
}

/** The spec files of one API as loaded Specs (without the parsers), after an optional in-memory edit. */
export function apiSpecs(api: string, edit: (raw: Json, file: string) => void = () => {}): Spec[] {
  return rawSpecs()
    .filter((s) => s.file.startsWith(`${api}.`))
    .map(({ file, raw }) => {
      edit(raw, file);
      return { file, path: join(SPECS_DIR, file), api, kind: file.includes('.asyncapi.') ? 'asyncapi' : 'openapi', raw };
    });
}

/** The object at a same-file pointer (no ref following), for edits. */
export function nodeAt(doc: Json, pointer: string): Json {
  const node = atPointer(doc, pointer);
  if (!isObject(node)) throw new Error(`no object at ${pointer}`);
  return node;
}
