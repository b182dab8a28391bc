// What both Kafka buses do alike with records, tested without a broker: the record key, reading a
// value into an envelope, handing it to the handler by mode, and the positions settled() waits on.
import { DeadLetterError, type Envelope } from '../src/ports/bus';
import { audienceKey, handleRecord, markHandled, readEnvelope, release, untilHandled, type HandledPositions, type RecordTarget } from '../src/bus/kafka-records';
import { tooDeep } from '../src/validation/json-depth';

const envelope = (to: Record<string, unknown>) => ({ id: 'e1', message: 'M', to, data: {} }) as unknown as Envelope;

describe('audienceKey', () => {
  it('is the audience value as a string, or null without one', () => {
    expect(audienceKey(envelope({ store_id: 42 }))).toBe('42');
    expect(audienceKey(envelope({ channel: 'news' }))).toBe('news');
    expect(audienceKey(envelope({}))).toBeNull();
    expect(audienceKey({ id: 'x' } as unknown as Envelope)).toBeNull();
  });
});

describe('readEnvelope', () => {
  it('reads a JSON object', () => {
    expect(readEnvelope('{"message":"M","to":{"a":1}}', 10)).toEqual({ envelope: { message: 'M', to: { a: 1 } } });
  });

  it.each([
    [undefined, 'value is not valid JSON'],
    ['', 'value is not valid JSON'],
    ['{"a":', 'value is not valid JSON'],
    ['null', 'not a publish envelope {message, to, data}'],
    ['[1,2]', 'not a publish envelope {message, to, data}'],
    ['"text"', 'not a publish envelope {message, to, data}'],
    ['7', 'not a publish envelope {message, to, data}'],
  ])('refuses %p: %s', (value, unfit) => {
    expect(readEnvelope(value, 10)).toEqual({ unfit });
  });

  it('refuses a value nested deeper than the limit, and accepts it at the limit', () => {
    const value = JSON.stringify({ a: { b: { c: {} } } });
    expect(readEnvelope(value, 2)).toEqual({ unfit: tooDeep(2) });
    expect(readEnvelope(value, 10)).toHaveProperty('envelope');
  });
});

describe('handleRecord', () => {
  const value = JSON.stringify({ id: 'e1', message: 'M', to: { a: 1 }, data: {} });
  const target = (mode: RecordTarget['mode'], handler: RecordTarget['handler'], onError?: RecordTarget['onError']): RecordTarget => ({
    api: 'pizza',
    mode,
    topic: 't',
    maxJsonDepth: 10,
    handler,
    onError,
  });

  it.each(['work', 'fanout'] as const)('%s: hands the envelope to the handler and resolves when it is done', async (mode) => {
    const seen: unknown[] = [];
    const deadLetter = jest.fn();
    await handleRecord(target(mode, async (e) => void seen.push(e)), value, undefined, deadLetter);
    expect(seen).toEqual([JSON.parse(value)]);
    expect(deadLetter).not.toHaveBeenCalled();
  });

  it('work: dead-letters an unfit value with why, without calling the handler', async () => {
    const handler = jest.fn();
    const deadLetter = jest.fn(async () => undefined);
    await handleRecord(target('work', handler), 'not json', undefined, deadLetter);
    expect(deadLetter).toHaveBeenCalledWith('value is not valid JSON');
    expect(handler).not.toHaveBeenCalled();
  });

  it('fanout: skips an unfit value without dead-lettering it', async () => {
    const handler = jest.fn();
    const deadLetter = jest.fn();
    await handleRecord(target('fanout', handler), 'not json', undefined, deadLetter);
    expect(deadLetter).not.toHaveBeenCalled();
    expect(handler).not.toHaveBeenCalled();
  });

  it('work: dead-letters with the reason of a DeadLetterError the handler throws', async () => {
    const deadLetter = jest.fn(async () => undefined);
    await handleRecord(target('work', () => { throw new DeadLetterError('bad data'); }), value, undefined, deadLetter);
    expect(deadLetter).toHaveBeenCalledWith('bad data');
  });

  it('work: rejects with any other handler failure, to be tried again, dead-lettering nothing', async () => {
    const deadLetter = jest.fn();
    const onError = jest.fn();
    await expect(handleRecord(target('work', async () => Promise.reject(new Error('store down')), onError), value, undefined, deadLetter)).rejects.toThrow('store down');
    expect(deadLetter).not.toHaveBeenCalled();
    expect(onError).not.toHaveBeenCalled();
  });

  it.each([new Error('boom'), new DeadLetterError('bad data')])('fanout: reports a handler failure (%p) and resolves', async (failure) => {
    const deadLetter = jest.fn();
    const onError = jest.fn();
    await expect(handleRecord(target('fanout', () => Promise.reject(failure), onError), value, undefined, deadLetter)).resolves.toBeUndefined();
    expect(onError).toHaveBeenCalledWith(failure, { api: 'pizza', mode: 'fanout', id: 'e1', event: 'fanout handler failed' });
    expect(deadLetter).not.toHaveBeenCalled();
  });
});

describe('untilHandled, markHandled, release', () => {
  const settledYet = async (p: Promise<void>) => Promise.race([p.then(() => true), new Promise<boolean>((r) => setImmediate(() => r(false)))]);

  it('resolves at once when every partition is already handled up to its end', async () => {
    const member: HandledPositions = { handled: new Map([[0, 5n], [1, 3n]]), waiters: new Set() };
    await expect(settledYet(untilHandled(member, [[0, 5n], [1, 2n]], () => false))).resolves.toBe(true);
    expect(member.waiters.size).toBe(0);
  });

  it('resolves once markHandled has reached every end, not before', async () => {
    const member: HandledPositions = { handled: new Map(), waiters: new Set() };
    const wait = untilHandled(member, [[0, 2n], [1, 1n]], () => false);
    expect(await settledYet(wait)).toBe(false);
    markHandled(member, 0, 2n);
    expect(await settledYet(wait)).toBe(false);
    markHandled(member, 1, 0n);
    expect(await settledYet(wait)).toBe(false);
    markHandled(member, 1, 1n);
    expect(await settledYet(wait)).toBe(true);
    expect(member.waiters.size).toBe(0);
  });

  it('an empty partition counts as handled once the consumer has a position there; one without a position does not', async () => {
    const member: HandledPositions = { handled: new Map([[0, 0n]]), waiters: new Set() };
    expect(await settledYet(untilHandled(member, [[0, 0n]], () => false))).toBe(true);
    expect(await settledYet(untilHandled(member, [[1, 0n]], () => false))).toBe(false);
  });

  it('markHandled records nothing for a consumer without positions (not a fanout member)', () => {
    const member: HandledPositions = { waiters: new Set() };
    markHandled(member, 0, 3n);
    expect(member.handled).toBeUndefined();
  });

  it('release ends the waits of a consumer that is gone', async () => {
    const member: HandledPositions = { handled: new Map(), waiters: new Set() };
    let gone = false;
    const wait = untilHandled(member, [[0, 9n]], () => gone);
    release(member);
    expect(await settledYet(wait)).toBe(false);
    gone = true;
    release(member);
    expect(await settledYet(wait)).toBe(true);
    expect(member.waiters.size).toBe(0);
  });
});
