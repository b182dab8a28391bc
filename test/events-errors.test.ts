// The events API's error answers (src/apis/events/errors.ts): restify's `{code, message}` body and
// the original's one 400 message per field, chosen in its fixed order from the generated validator's errors.
import type { ErrorObject } from 'ajv';
import { catalogue } from '../generated/events/catalogue';
import { eventsError, invalidContent, invalidCredentials } from '../src/apis/events/errors';

const emitBody = catalogue.operations.emitEvent.body['application/json'];
const pollQuery = catalogue.operations.pollEvents.query;
const valid = { clientId: 'c1', channel: 'ch', secret: 's', type: 't', from: 'f' };

/** The 400 a body the real emitEvent validator refuses turns into. */
function refusal(body: Record<string, unknown>) {
  expect(emitBody(body)).toBe(false);
  const err = invalidContent(emitBody.errors);
  return { status: err.status, message: err.message };
}

describe('eventsError', () => {
  it.each([
    [400, 'InvalidContent'],
    [401, 'InvalidCredentialsError'],
    [404, 'ResourceNotFound'],
    [405, 'MethodNotAllowed'],
    [413, 'PayloadTooLarge'],
    [503, 'ServiceUnavailable'],
  ])('names a %i %s, with the message as given', (status, code) => {
    expect(eventsError(status, 'why')).toEqual({ code, message: 'why' });
  });

  it('names a status restify has no code for here InternalServer, rather than leaving code out', () => {
    expect(eventsError(418, 'teapot')).toEqual({ code: 'InternalServer', message: 'teapot' });
    expect(eventsError(429, 'slow down')).toEqual({ code: 'InternalServer', message: 'slow down' });
  });
});

describe('invalidCredentials', () => {
  it('is a 401 saying only "Invalid credentials" (nothing about which secret or why)', () => {
    const err = invalidCredentials();
    expect({ status: err.status, message: err.message, details: err.details }).toEqual({ status: 401, message: 'Invalid credentials', details: undefined });
  });
});

describe('invalidContent, from the real emitEvent validator', () => {
  it('names the first bad field in the original\'s order: clientId, channel, from, type, data', () => {
    expect(refusal({})).toEqual({ status: 400, message: 'Invalid Client ID' });
    expect(refusal({ ...valid, clientId: undefined, channel: '' })).toEqual({ status: 400, message: 'Invalid Client ID' });
    expect(refusal({ ...valid, channel: '', type: 7 })).toEqual({ status: 400, message: 'Invalid Channel' });
    expect(refusal({ ...valid, from: undefined, type: 7 })).toEqual({ status: 400, message: 'Invalid from' });
    expect(refusal({ ...valid, type: 7, data: 5 })).toEqual({ status: 400, message: 'Invalid type' });
    expect(refusal({ ...valid, data: 5 })).toEqual({ status: 400, message: 'Invalid data' });
  });

  it('reads a missing field from `required` and a wrong one from its instance path', () => {
    expect(refusal({ ...valid, from: undefined })).toEqual({ status: 400, message: 'Invalid from' });
    expect(refusal({ ...valid, from: '' })).toEqual({ status: 400, message: 'Invalid from' });
  });

  it('also serves the poll query validator (clientId before channel)', () => {
    expect(pollQuery!({ secret: 's', limit: 100 })).toBe(false);
    expect(invalidContent(pollQuery!.errors).message).toBe('Invalid Client ID');
    expect(pollQuery!({ secret: 's', clientId: 'c', channel: '', limit: 100 })).toBe(false);
    expect(invalidContent(pollQuery!.errors).message).toBe('Invalid Channel');
  });

  it('says "Invalid content" when no error names one of the five fields', () => {
    expect(refusal({ ...valid, extra: { deep: true }, secret: 5 }).message).toBe('Invalid content');
    expect(invalidContent(null).message).toBe('Invalid content');
    expect(invalidContent(undefined).message).toBe('Invalid content');
    expect(invalidContent([]).message).toBe('Invalid content');
  });

  it('names the top-level field of an error deep inside it', () => {
    const deep = { instancePath: '/data/a/0', schemaPath: '#', keyword: 'type', params: {}, message: 'x' } as ErrorObject;
    const root = { instancePath: '', schemaPath: '#', keyword: 'type', params: { type: 'object' }, message: 'must be object' } as ErrorObject;
    expect(invalidContent([root, deep]).message).toBe('Invalid data');
    expect(invalidContent([root]).message).toBe('Invalid content');
  });
});
