// The specs as a broker needs them for bi-directional contract testing: self-contained JSON. One
// OpenAPI document with every REST operation of every API (fully dereferenced, so the APIs' own
// component names cannot collide), and one AsyncAPI document per realtime API with the references
// into other files inlined (its own `#/...` references stay: AsyncAPI operations point at channels).
import { dirname, join } from 'node:path';
import { specDocuments, type Json, type SpecDocument } from './specs';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function at(doc: Json, pointer: string, ref: string): unknown {
  let node: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isObject(node) && !Array.isArray(node)) throw new Error(`unresolvable $ref ${ref}`);
    node = (node as Json)[key];
  }
  if (node === undefined) throw new Error(`unresolvable $ref ${ref}`);
  return node;
}

/**
 * `node` of `doc` with $refs inlined: every one when `all`, else only those into other files (and,
 * inside what those bring in, every one, since it left its own document).
 */
function inline(node: unknown, doc: SpecDocument, docs: Map<string, SpecDocument>, all: boolean, seen: string[] = []): unknown {
  if (Array.isArray(node)) return node.map((n) => inline(n, doc, docs, all, seen));
  if (!isObject(node)) return node;
  if (typeof node.$ref === 'string') {
    const [file, pointer = ''] = node.$ref.split('#');
    if (file || all) {
      const target = file ? docs.get(join(dirname(doc.path), file)) : doc;
      if (!target) throw new Error(`${doc.file}: $ref ${node.$ref} names no spec file`);
      const key = `${target.file}#${pointer}`;
      if (seen.includes(key)) throw new Error(`${doc.file}: $ref ${node.$ref} is circular`);
      const { $ref: _ref, ...siblings } = node;
      const resolved = inline(at(target.raw, pointer, node.$ref), target, docs, true, [...seen, key]);
      return Object.keys(siblings).length > 0 && isObject(resolved) ? { ...resolved, ...inline(siblings, doc, docs, all, seen) as Json } : resolved;
    }
  }
  return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, inline(v, doc, docs, all, seen)]));
}

export interface ExportedDocument {
  file: string;
  document: Json;
}

export function exportContracts(version: string): ExportedDocument[] {
  const specs = specDocuments();
  const docs = new Map(specs.map((s) => [s.path, s]));
  const openapi = specs.filter((s) => s.file.endsWith('.openapi.yaml'));
  const paths: Json = {};
  for (const spec of openapi) {
    const api = spec.file.split('.')[0];
    for (const [path, item] of Object.entries(inline(spec.raw.paths ?? {}, spec, docs, true) as Json)) {
      if (paths[path]) throw new Error(`${spec.file}: path ${path} is also in another API`);
      // Each operation tagged with its API, so the merged document still says whose it is.
      paths[path] = Object.fromEntries(Object.entries(item as Json).map(([k, op]) => [k, isObject(op) && 'responses' in op ? { ...op, tags: [api, ...((op.tags as string[]) ?? [])] } : op]));
    }
  }
  const merged: ExportedDocument = {
    file: 'switchyard.openapi.json',
    document: {
      openapi: '3.1.0',
      info: { title: 'Switchyard', version, description: `The REST operations of ${openapi.map((s) => s.file.split('.')[0]).join(', ')}, from specs/*.openapi.yaml.` },
      tags: openapi.map((s) => ({ name: s.file.split('.')[0], description: String((s.raw.info as Json | undefined)?.title ?? '') })),
      paths,
    },
  };
  const asyncapi = specs
    .filter((s) => s.file.endsWith('.asyncapi.yaml'))
    .map((s) => ({ file: s.file.replace(/\.yaml$/, '.json'), document: inline(s.raw, s, docs, false) as Json }));
  return [merged, ...asyncapi];
}
