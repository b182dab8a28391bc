// The specs themselves: they parse, their examples hold, and the generated validators reject
// malformed frames of every message with a readable error.
import type { ValidateFunction } from 'ajv';
import { loadSpecs } from '../scripts/codegen/specs';
import { examplesOf, checkExamples } from '../scripts/codegen/examples';
import { createAjv } from '../scripts/codegen/validators';
import { catalogues, type ApiCatalogue } from '../generated';
import { describeErrors } from '../src/validation/describe-errors';
import { rawSpecs, schemaAt, SPECS_DIR } from './helpers/specs';
import { isObject, type Json } from '../scripts/codegen/pointer';

const EXPECTED_FILES = [
  'events.asyncapi.yaml', 'events.openapi.yaml', 'games.asyncapi.yaml', 'gateway.openapi.yaml',
  'messenger.asyncapi.yaml', 'messenger.openapi.yaml', 'pizza.asyncapi.yaml', 'pizza.openapi.yaml',
  'workspace.asyncapi.yaml',
];

describe('specs parse with zero errors', () => {
  // Parsing and validating all nine specs (both parsers, every $ref) is the costly step: a few
  // seconds on a quiet machine, many more on a loaded one. Done once, with a budget that fits it.
  let loaded: Awaited<ReturnType<typeof loadSpecs>>;
  beforeAll(async () => {
    loaded = await loadSpecs(SPECS_DIR);
  }, 180_000);

  it('every spec file is present and valid', () => {
    expect(loaded.errors).toEqual([]);
    expect(loaded.specs.map((s) => s.file)).toEqual(EXPECTED_FILES);
  });

  it('every example in every spec validates against its schema', () => {
    const { specs } = loaded;
    const ajv = createAjv(specs);
    const coercing = createAjv(specs, true);
    for (const spec of specs) {
      expect(examplesOf(spec).length).toBeGreaterThan(0);
      expect(checkExamples(spec, ajv, coercing)).toEqual([]);
    }
  });

  it('every message has at least one example', () => {
    for (const { file, raw } of rawSpecs().filter((s) => s.file.includes('asyncapi'))) {
      const messages = (raw.components as Json).messages as Record<string, { examples?: unknown[] }>;
      for (const [id, m] of Object.entries(messages)) expect([file, id, (m.examples ?? []).length > 0]).toEqual([file, id, true]);
    }
  });
});

/** First example payload of every AsyncAPI message, with its generated validator and schema. */
function messageCases(): { label: string; validate: ValidateFunction; example: unknown; schema: Json; doc: Json }[] {
  const cases = [];
  for (const { file, raw } of rawSpecs().filter((s) => s.file.includes('asyncapi'))) {
    const api = file.split('.')[0] as keyof typeof catalogues;
    const messages = (raw.components as Json).messages as Record<string, { examples?: { payload: unknown }[] }>;
    for (const [id, m] of Object.entries(messages)) {
      const example = m.examples?.[0]?.payload;
      let schema = schemaAt(raw, `#/components/messages/${id}/payload`);
      // A union payload: mutate along the branch the example takes (all its required keys present).
      if (schema && Array.isArray(schema.oneOf) && isObject(example)) {
        schema = (schema.oneOf as Json[])
          .map((b) => (typeof b.$ref === 'string' ? schemaAt(raw, b.$ref) : b))
          .find((b) => b && ((b.required as string[] | undefined) ?? []).every((k) => k in example));
      }
      if (!schema) continue;
      cases.push({ label: `${api}.${id}`, validate: (catalogues[api] as ApiCatalogue).messages[id].validate, example, schema, doc: raw });
    }
  }
  return cases;
}

/** A value of a JSON type the property's schema does not allow. */
function wrongTypeFor(schema: Json): unknown {
  const types = ([] as unknown[]).concat(schema.type ?? []);
  if (types.length === 0) return undefined;
  if (!types.includes('object')) return { wrong: true };
  if (!types.includes('array')) return [1, 2, 3];
  return undefined;
}

describe('generated validators reject malformed messages with readable errors', () => {
  const cases = messageCases();
  it('covers every message of every AsyncAPI spec', () => {
    const total = Object.values(catalogues).reduce((n, c) => n + Object.keys(c.messages).length, 0);
    expect(cases.length).toBe(total);
  });

  it.each(cases.map((c) => [c.label, c] as const))('%s', (_label, c) => {
    expect(c.validate(structuredClone(c.example))).toBe(true);
    if (Object.keys(c.schema).every((k) => k === 'description')) {
      // A payload the API ignores (workspace `logout`): anything is accepted.
      for (const any of [null, 1, 'x', [], { a: 1 }]) expect(c.validate(any)).toBe(true);
      return;
    }
    if (!isObject(c.example)) {
      // e.g. user-changed-device, whose payload is null: any object is wrong.
      expect(c.validate({ unexpected: 1 })).toBe(false);
      expect(describeErrors(c.validate.errors).length).toBeGreaterThan(0);
      return;
    }
    const example = c.example;
    const required = Array.isArray(c.schema.required) ? (c.schema.required as string[]) : [];
    const properties = isObject(c.schema.properties) ? c.schema.properties : {};
    let mutations = 0;

    for (const prop of required) {
      const sample = structuredClone(example);
      delete sample[prop];
      expect(c.validate(sample)).toBe(false);
      expect(describeErrors(c.validate.errors)).toContain(`(root): missing required property "${prop}"`);
      mutations++;

      const propSchema = properties[prop] as Json;
      const resolved = typeof propSchema.$ref === 'string' ? schemaAt(c.doc, propSchema.$ref) ?? {} : propSchema;
      const wrong = wrongTypeFor(resolved);
      if (wrong !== undefined) {
        const typed = { ...structuredClone(example), [prop]: wrong };
        expect(c.validate(typed)).toBe(false);
        expect(describeErrors(c.validate.errors).some((e) => e.startsWith(`/${prop}`))).toBe(true);
        mutations++;
      }
    }
    if (c.schema.type === 'object') {
      // Open objects (free data, e.g. workspace `invite`) are still objects.
      expect(c.validate('not an object')).toBe(false);
      mutations++;
    }
    if (c.schema.additionalProperties === false) {
      expect(c.validate({ ...structuredClone(example), unexpected: 1 })).toBe(false);
      expect(describeErrors(c.validate.errors)).toContain('(root): unexpected property "unexpected"');
      mutations++;
    }
    expect(mutations).toBeGreaterThan(0);
  });
});

describe('hand-written invalid samples', () => {
  const games = rawSpecs().find((s) => s.file === 'games.asyncapi.yaml')!.raw;
  const updateFrame = (): Json =>
    structuredClone((((games.components as Json).messages as Json).update as { examples: { payload: Json }[] }).examples[0].payload);
  const withPayload = (change: (payload: Json) => void): Json => {
    const frame = updateFrame();
    change(frame.payload as Json);
    return frame;
  };

  const cases: [string, keyof typeof catalogues, string, unknown, string][] = [
    ['games update with the wrong model', 'games', 'update', withPayload((p) => (p.model = 'Player')), '/payload/model'],
    ['games update with an unknown game state', 'games', 'update', withPayload((p) => ((p.data as Json).state = 'paused')), '/payload/data/state'],
    ['games update with a stream other than games', 'games', 'update', { ...updateFrame(), stream: 'quizzes' }, '/stream'],
    ['pizza CREATE_PIZZA with a string price', 'pizza', 'CREATE_PIZZA', { event_name: 'CREATE_PIZZA', data: { price: '9.5' } }, '/data'],
    ['pizza ACCEPT_PIZZA with a non-uuid', 'pizza', 'ACCEPT_PIZZA', { event_name: 'ACCEPT_PIZZA', data: ['nope'] }, '/data/0'],
    ['workspace auth without a token', 'workspace', 'auth', { workspaceId: 'w1' }, '(root)'],
    ['workspace auth with an unknown online status', 'workspace', 'auth', { token: 't', workspaceId: 'w1', onlineStatus: 'away' }, '/onlineStatus'],
    ['workspace media state missing a flag', 'workspace', 'media-state-updated',
      { userId: 'u', channelId: 'c', userMediaState: { microphone: true, speakers: true, screen: false, camera: false } }, '/userMediaState'],
    ['messenger new_message with a string created_at', 'messenger', 'new_message',
      { type: 'new_message', event: { message_id: 1, to_id: 1, from_id: 2, created_at: '2020-02-07', text: 'x' } }, '/event/created_at'],
    ['events stored event with id 0', 'events', 'event', { id: 0, timestamp: 1, type: 'MOVE', from: 'x' }, '/id'],
  ];
  it.each(cases)('%s', (_label, api, id, sample, path) => {
    const validate = (catalogues[api] as ApiCatalogue).messages[id].validate;
    expect(validate(sample)).toBe(false);
    const errors = describeErrors(validate.errors);
    expect(errors.some((e) => e.startsWith(path))).toBe(true);
  });
});
