// Property-based HTTP fuzzing of every operation of every OpenAPI spec in specs/: requests built
// from the operations' own schemas and examples (with valid credentials in some, so they get past
// authentication), mutated, or replaced by hostile bodies (deep, prototype keys, broken JSON,
// oversize, wrong content types). Every answer must be one the spec documents for the operation:
// no 5xx, the status listed, the body valid against the generated response validator. The process
// must stay up and the built-in prototypes unpolluted.
import { join } from 'node:path';
import fc from 'fast-check';
import { dereference } from '@readme/openapi-parser';
import { catalogues } from '../../generated';
import type { ApiCatalogue, OperationEntry } from '../../generated';
import { listSpecFiles } from '../../scripts/codegen/specs';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { SPECS_DIR } from '../helpers/specs';
import { anyText, hostileJson, params, POLLUTING_KEYS, expectSurvived, prototypeSnapshot, Surface } from './kit';
import { arbitraryOf } from './schema-arbitrary';

jest.setTimeout(120_000);

const SECRET = 'dev-api-secret';
const BODY_LIMIT = 16_384;
/** Callback URLs the fuzzer registers point here (nothing listens): never off this machine. */
const LOOPBACK_CALLBACK = 'http://127.0.0.1:9/hook';

type Json = Record<string, any>;
interface Operation {
  api: string;
  method: string;
  path: string;
  entry: OperationEntry;
  parameters: { name: string; in: string; schema: Json; examples?: Record<string, { value: unknown }> }[];
  /** Request body schemas and example values by content type. */
  bodies: { type: string; schema: Json; examples: unknown[] }[];
}

interface Request {
  auth: 'publisher' | 'user' | 'store-user' | 'garbage' | 'basic' | 'none';
  credentials: boolean;
  path: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body?: { type?: string; value?: unknown; raw?: string };
}

const surface = new Surface('http');
const prototypesBefore = prototypeSnapshot();
let gw: TestGateway;
let operations: Operation[];
const tokens: Record<string, string> = {};
const statuses: Record<string, number> = {};

beforeAll(async () => {
  gw = await startGateway({ POLL_TIMEOUT_MS: '0', MESSENGER_POLL_TIMEOUT_MS: '0', BODY_LIMIT_BYTES: String(BODY_LIMIT) });
  tokens.publisher = await gw.token('fuzz-service', {}, 'publish');
  tokens.user = await gw.token('fuzz-user', { username: 'fuzz' });
  tokens['store-user'] = await gw.token('fuzz-manager', { store_id: 1, uuid: 'a0f1c2d3-0000-4000-8000-000000000001' });
  operations = await loadOperations();
});

afterAll(async () => {
  await gw.stop();
});

async function loadOperations(): Promise<Operation[]> {
  const found: Operation[] = [];
  for (const file of listSpecFiles(SPECS_DIR).filter((f) => f.includes('.openapi.'))) {
    const api = file.split('.')[0] as keyof typeof catalogues;
    const doc = (await dereference(join(SPECS_DIR, file))) as Json;
    for (const [path, item] of Object.entries(doc.paths as Json)) {
      for (const [method, op] of Object.entries(item as Json)) {
        if (typeof op !== 'object' || !op.operationId) continue;
        const entry: OperationEntry | undefined = (catalogues[api] as ApiCatalogue).operations[op.operationId];
        if (!entry) throw new Error(`${file}: ${op.operationId} is not in the generated catalogue`);
        const bodies = Object.entries((op.requestBody?.content ?? {}) as Json).map(([type, media]) => ({
          type,
          schema: media.schema as Json,
          examples: Object.values((media.examples ?? {}) as Json).map((e) => e.value),
        }));
        found.push({ api, method: method.toUpperCase(), path, entry, parameters: op.parameters ?? [], bodies });
      }
    }
  }
  return found;
}

/** Values anyone may put in a parameter: from its schema, or anything. */
function parameterValue(schema: Json): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 3, arbitrary: arbitraryOf(schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v))) },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom('', '..', '%', '%2F', '%00', '\u0000', ...POLLUTING_KEYS, 'x'.repeat(5000)) },
  );
}

function bodyArbitrary(op: Operation): fc.Arbitrary<Request['body']> {
  if (op.bodies.length === 0) return fc.constant(undefined);
  const types = op.bodies.map((b) => b.type);
  const examples = op.bodies.flatMap((b) => b.examples.map((value) => ({ type: b.type, value })));
  const fromSchema = fc.oneof(...op.bodies.map((b) => arbitraryOf(b.schema).map((value) => ({ type: b.type, value }))));
  const mutated = examples.length === 0 ? fromSchema : fc
    .tuple(fc.constantFrom(...examples), fc.constantFrom('keep', 'keep', 'drop', 'replace', 'pollute'), fc.nat(), fc.jsonValue({ maxDepth: 3 }))
    .map(([example, how, n, json]) => {
      const value = structuredClone(example.value) as Json;
      const keys = Object.keys(value);
      const key = keys[n % Math.max(1, keys.length)];
      if (how === 'drop' && key) delete value[key];
      if (how === 'replace' && key) value[key] = json;
      if (how === 'pollute') Object.defineProperty(value, POLLUTING_KEYS[n % POLLUTING_KEYS.length], { value: json, enumerable: true });
      return { type: example.type, value };
    });
  const raw = fc.tuple(anyText, fc.constantFrom(...types, 'text/plain', 'application/json; charset=latin1', 'application/xml', undefined));
  return fc.oneof(
    { weight: 4, arbitrary: fromSchema },
    { weight: 3, arbitrary: mutated },
    { weight: 2, arbitrary: raw.map(([text, type]) => ({ type, raw: text })) },
    { weight: 1, arbitrary: hostileJson.map((text) => ({ type: 'application/json', raw: text })) },
    { weight: 1, arbitrary: fc.constantFrom(...types).map((type) => ({ type, raw: `{"pad":"${'x'.repeat(BODY_LIMIT)}"}` })) },
  );
}

function requestArbitrary(op: Operation): fc.Arbitrary<Request> {
  const inPath = op.parameters.filter((p) => p.in === 'path');
  const inQuery = op.parameters.filter((p) => p.in === 'query');
  return fc.record({
    auth: fc.constantFrom('publisher', 'user', 'store-user', 'garbage', 'basic', 'none'),
    credentials: fc.boolean(),
    // An empty or dot segment is another path (fetch resolves `..`), not a value of the parameter;
    // the raw TCP suite sends such targets as they are.
    path: fc.record(Object.fromEntries(inPath.map((p) => [p.name, parameterValue(p.schema).filter((v) => !/^(\.|%2e){0,2}$/i.test(v))]))),
    query: fc.record(
      Object.fromEntries(inQuery.map((p) => [p.name, fc.option(fc.oneof(parameterValue(p.schema), fc.array(parameterValue(p.schema), { minLength: 2, maxLength: 3 })), { nil: undefined })])),
    ),
    body: bodyArbitrary(op),
  }) as fc.Arbitrary<Request>;
}

/**
 * With `credentials`, what an authorised client sends: the right bearer token, path parameters as
 * in the spec's examples, events `secret` and messenger `token`. Callbacks always stay on loopback.
 */
function withCredentials(op: Operation, req: Request): void {
  if (req.credentials) {
    req.auth = op.path.startsWith('/publish/') ? 'publisher' : 'store-user';
    for (const p of op.parameters) {
      const example = Object.values(p.examples ?? {})[0];
      if (p.in === 'path' && example) req.path[p.name] = String(example.value);
    }
    if ('secret' in req.query) req.query.secret = SECRET;
  }
  const value = req.body?.value;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  const body = value as Json;
  if (req.credentials) {
    if ('secret' in body || 'channel' in body) body.secret = SECRET;
    if ('token' in body || 'callback' in body) body.token = tokens.user;
  }
  if (typeof body.callback === 'string' && /^https?:/i.test(body.callback)) body.callback = LOOPBACK_CALLBACK;
}

function encodeBody(body: NonNullable<Request['body']>): string {
  if (body.raw !== undefined) return body.raw;
  if (body.type === 'application/x-www-form-urlencoded' && typeof body.value === 'object' && body.value !== null) {
    const form = new URLSearchParams();
    for (const [k, v] of Object.entries(body.value)) form.append(k, typeof v === 'string' ? v : JSON.stringify(v));
    return form.toString();
  }
  return JSON.stringify(body.value) ?? '';
}

async function send(op: Operation, req: Request): Promise<{ status: number; type: string; text: string }> {
  withCredentials(op, req);
  let path = op.path;
  for (const [name, value] of Object.entries(req.path)) path = path.replace(`{${name}}`, encodeURIComponent(value));
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(req.query)) {
    for (const v of value === undefined ? [] : Array.isArray(value) ? value : [value]) query.append(name, v);
  }
  const headers: Record<string, string> = {};
  const authorization = { publisher: `Bearer ${tokens.publisher}`, user: `Bearer ${tokens.user}`, 'store-user': `Bearer ${tokens['store-user']}`, garbage: 'Bearer x.y.z', basic: 'Basic Zm9vOmJhcg==', none: undefined }[req.auth];
  if (authorization) headers.authorization = authorization;
  let body: string | undefined;
  if (req.body) {
    body = encodeBody(req.body);
    if (req.body.type) headers['content-type'] = req.body.type;
  }
  const qs = query.toString();
  const res = await fetch(`${gw.url}${path}${qs ? `?${qs}` : ''}`, { method: op.method, headers, body });
  const text = await res.text();
  return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0].trim(), text };
}

/** Throws (with what was sent and answered) unless the answer is one the spec documents. */
function checkAnswer(op: Operation, req: Request, answer: { status: number; type: string; text: string }): void {
  surface.cases += 1;
  statuses[`${op.method} ${op.path} ${answer.status}`] = (statuses[`${op.method} ${op.path} ${answer.status}`] ?? 0) + 1;
  if (answer.status >= 500) surface.fiveXx += 1;
  const validate = op.entry.responses[String(answer.status)]?.[answer.type];
  const fail = (why: string) => {
    throw new Error(`${op.method} ${op.path}: ${why}\nanswer: ${answer.status} ${answer.type} ${answer.text.slice(0, 500)}\nrequest: ${JSON.stringify(req).slice(0, 1000)}`);
  };
  if (answer.status >= 500) fail('a 5xx answer');
  // A documented answer without a body (a 204): nothing to validate, and there must be nothing.
  const bodiless = op.entry.responses[String(answer.status)];
  if (bodiless && Object.keys(bodiless).length === 0) {
    if (answer.text !== '' || answer.type !== '') fail('a body where the spec documents none');
    return;
  }
  if (!validate) fail(`${answer.status} ${answer.type} is not a response the spec lists`);
  let body: unknown = answer.text;
  if (answer.type === 'application/json') {
    try {
      body = JSON.parse(answer.text);
    } catch {
      fail('the body is not JSON');
    }
  }
  if (!validate!(body)) fail(`the body breaks the spec: ${JSON.stringify(validate!.errors)}`);
}

const RUNS_WITH_BODY = 200;
const RUNS_WITHOUT_BODY = 80;

it('fuzzes every operation of every OpenAPI spec; every answer is in the spec', async () => {
  expect(operations.length).toBeGreaterThanOrEqual(11);
  for (const op of operations) {
    const runs = op.bodies.length > 0 || op.parameters.length > 0 ? RUNS_WITH_BODY : RUNS_WITHOUT_BODY;
    await fc.assert(
      fc.asyncProperty(requestArbitrary(op), async (req) => checkAnswer(op, req, await send(op, req))),
      params(runs),
    );
  }
  surface.finished();
});

it('stays up, unpolluted, with no crash and no 5xx', async () => {
  process.stdout.write(`http statuses: ${JSON.stringify(statuses)}\n`);
  await expectSurvived(gw.url, [surface], prototypesBefore);
});
