// relaxedValidators: the spec's validators relaxed to "is everything the consumer relies on
// promised?": required fields dropped, oneOf read as anyOf, everything else kept.
import { relaxedValidators } from '../src/pact-verification/relaxed';
import { messageExample } from './helpers/examples';

const relaxed = relaxedValidators();

describe('message', () => {
  const validate = relaxed.message('pizza', 'CREATE_PIZZA')!;
  const example = messageExample('pizza', 'CREATE_PIZZA');

  it('accepts the spec example, and the same fields with any left out', () => {
    expect(validate(example)).toBe(true);
    expect(validate({})).toBe(true);
    expect(validate({ data: { name: 'Margherita' } })).toBe(true);
  });

  it('still refuses a field the spec lacks, a wrong type and a wrong const', () => {
    expect(validate({ ...example, bogus: 1 })).toBe(false);
    expect(validate.errors).toEqual([expect.objectContaining({ keyword: 'additionalProperties', params: { additionalProperty: 'bogus' } })]);
    expect(validate({ data: { size: 'large' } })).toBe(false);
    expect(validate({ event_name: 'ACCEPT_PIZZA' })).toBe(false);
  });

  it('is compiled once: the same function each time', () => {
    expect(relaxed.message('pizza', 'CREATE_PIZZA')).toBe(validate);
  });

  it('is undefined for an unknown API or message', () => {
    expect(relaxed.message('nope', 'CREATE_PIZZA')).toBeUndefined();
    expect(relaxed.message('pizza', 'NOPE')).toBeUndefined();
  });
});

describe('response', () => {
  it('reads oneOf as anyOf: a partial answer that fits two branches is accepted', () => {
    // messenger poll 200 is oneOf {code: 10, type: new_message, ...} | {code: 10, type: callback_deprecated, ...}
    const validate = relaxed.response('messenger', 'poll', '200', 'application/json')!;
    expect(validate({ code: 10 })).toBe(true);
    expect(validate({ code: 10, type: 'callback_deprecated' })).toBe(true);
    expect(validate({ code: 11 })).toBe(false);
    expect(validate({ code: 10, type: 'other' })).toBe(false);
  });

  it('is undefined for an unknown operation, status or content type', () => {
    expect(relaxed.response('messenger', 'nope', '200', 'application/json')).toBeUndefined();
    expect(relaxed.response('messenger', 'poll', '599', 'application/json')).toBeUndefined();
    expect(relaxed.response('messenger', 'poll', '200', 'text/csv')).toBeUndefined();
  });
});
