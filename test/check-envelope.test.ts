// checkEnvelope: the one decision whether a publish envelope fits an API's spec (message, `to`, data).
import Ajv from 'ajv';
import type { ApiCatalogue, MessageEntry } from '../generated';
import { checkEnvelope, publishable } from '../src/envelopes/check-envelope';

const ajv = new Ajv({ allErrors: true });
const validateData = ajv.compile({
  type: 'object',
  properties: { size: { type: 'integer' }, topping: { type: 'string' } },
  required: ['size'],
  additionalProperties: false,
});

const entry = (name: string, publish?: MessageEntry['publish']) => ({ id: name, name, direction: 'send', publish }) as unknown as MessageEntry;
const pizza = entry('PIZZA', { audience: ['store_id', 'user_id'], dataPointer: '/data', validateData });
const catalogue = {
  api: 'test',
  messages: { PIZZA: pizza, ECHO: entry('ECHO') },
} as unknown as ApiCatalogue;

describe('publishable', () => {
  it('holds only the messages with a publish rule, by name, built once per catalogue', () => {
    const map = publishable(catalogue);
    expect([...map.keys()]).toEqual(['PIZZA']);
    expect(map.get('PIZZA')).toBe(pizza);
    expect(publishable(catalogue)).toBe(map);
  });
});

describe('checkEnvelope', () => {
  it('accepts a publishable message with one audience key and valid data', () => {
    expect(checkEnvelope(catalogue, 'PIZZA', { store_id: 7 }, { size: 2 })).toEqual({
      ok: true,
      entry: pizza,
      key: 'store_id',
      value: '7',
      to: { store_id: 7 },
    });
    expect(checkEnvelope(catalogue, 'PIZZA', { user_id: 'u1' }, { size: 1, topping: 'ham' })).toMatchObject({ ok: true, key: 'user_id', value: 'u1' });
  });

  it.each(['NOPE', 'ECHO'])('answers 404 for a message that is not publishable (%s)', (message) => {
    expect(checkEnvelope(catalogue, message, { store_id: 1 }, { size: 1 })).toEqual({ ok: false, status: 404, error: `unknown message "${message}" for api test` });
  });

  it.each([
    ['no key', {}],
    ['two keys', { store_id: 1, user_id: 2 }],
    ['a key the message does not have', { channel: 1 }],
  ])('answers 422 at /to for %s', (_what, to) => {
    const check = checkEnvelope(catalogue, 'PIZZA', to, { size: 1 });
    const error = '"to" must name exactly one of "store_id", "user_id" for PIZZA';
    expect(check).toEqual({
      ok: false,
      status: 422,
      error,
      errors: [{ instancePath: '/to', message: `/to: ${error}`, keyword: 'audience', params: { allowed: ['store_id', 'user_id'] } }],
    });
  });

  it.each([
    ['an empty string', ''],
    ['null', null],
    ['an object', { id: 1 }],
    ['a boolean', true],
  ])('answers 422 for an audience value that is %s', (_what, value) => {
    expect(checkEnvelope(catalogue, 'PIZZA', { store_id: value }, { size: 1 })).toMatchObject({
      ok: false,
      status: 422,
      error: '"to.store_id" must be a non-empty string or a number',
    });
  });

  it('accepts 0 as an audience value (a number, not empty)', () => {
    expect(checkEnvelope(catalogue, 'PIZZA', { store_id: 0 }, { size: 1 })).toMatchObject({ ok: true, value: '0' });
  });

  it('answers 422 with every data problem, located under /data', () => {
    const check = checkEnvelope(catalogue, 'PIZZA', { store_id: 1 }, { size: 'big', extra: 1 });
    expect(check).toMatchObject({ ok: false, status: 422, error: 'data does not match the spec of PIZZA' });
    if (check.ok) throw new Error('accepted');
    expect(check.errors?.map((e) => [e.instancePath, e.message])).toEqual(
      expect.arrayContaining([
        ['/data', '/data: unexpected property "extra"'],
        ['/data/size', '/data/size: must be integer'],
      ]),
    );
  });

  it('reports a problem at the root of data as /data, not /data(root)', () => {
    const check = checkEnvelope(catalogue, 'PIZZA', { store_id: 1 }, 'not an object');
    if (check.ok) throw new Error('accepted');
    expect(check.errors).toEqual([expect.objectContaining({ instancePath: '/data', message: '/data: must be object' })]);
  });
});
