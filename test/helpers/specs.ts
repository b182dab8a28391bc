// Reads the specs as raw documents for tests that derive cases from them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { listSpecFiles } from '../../scripts/codegen/specs';
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
