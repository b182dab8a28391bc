// Reading a V4 pact file: the consumer, provider and interactions the contract stages use, and a
// clear error naming the file when it is not a pact.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isHttp, isMessage, nameOf, parsePact, readPact } from '../src/pact-verification/pact-file';

const PACTS = join(__dirname, '..', 'pacts');

describe('readPact', () => {
  it('reads a real pact: names, every interaction, and the file name (not the path) for messages', () => {
    const pact = readPact(join(PACTS, 'events-client-switchyard.json'));
    expect(pact).toMatchObject({ file: 'events-client-switchyard.json', consumer: 'events-client', provider: 'switchyard' });
    expect(pact.pending).toBeUndefined();
    expect(pact.interactions.length).toBe(11);
    expect(pact.interactions.some(isHttp)).toBe(true);
    expect(pact.interactions.some(isMessage)).toBe(true);
  });

  it('names a missing file', () => {
    expect(() => readPact(join(PACTS, 'no-such-pact.json'))).toThrow(/no-such-pact\.json/);
  });
});

describe('parsePact', () => {
  it('a pact without interactions has none (not undefined)', () => {
    expect(parsePact(JSON.stringify({ consumer: { name: 'c' }, provider: { name: 'p' } }), 'f.json')).toEqual({ file: 'f.json', consumer: 'c', provider: 'p', interactions: [] });
  });

  it.each([
    ['no consumer', { provider: { name: 'p' } }],
    ['no provider name', { consumer: { name: 'c' }, provider: {} }],
    ['a consumer name that is not text', { consumer: { name: 3 }, provider: { name: 'p' } }],
    ['null', null],
    ['an array', []],
  ])('refuses %s, naming the file', (_what, json) => {
    expect(() => parsePact(JSON.stringify(json), 'x-switchyard.json')).toThrow('x-switchyard.json is not a pact (no consumer and provider names)');
  });

  it('refuses text that is not JSON, naming the file (what `switchyard verify` prints)', () => {
    expect(() => parsePact('<html>502 Bad Gateway</html>', 'https://broker/pacts/1')).toThrow(/^https:\/\/broker\/pacts\/1 is not JSON \(/);
  });

  it('refuses interactions that are not a list, naming the file', () => {
    expect(() => parsePact(JSON.stringify({ consumer: { name: 'c' }, provider: { name: 'p' }, interactions: {} }), 'f.json')).toThrow('f.json is not a pact (interactions is not a list)');
  });
});

describe('interaction kinds and names', () => {
  const pact = parsePact(
    JSON.stringify({
      consumer: { name: 'shop' },
      provider: { name: 'switchyard' },
      interactions: [
        { type: 'Synchronous/HTTP', description: 'a poll', request: { method: 'GET', path: '/' }, response: { status: 200 } },
        { type: 'Asynchronous/Messages', description: 'an "event"', contents: { content: {} } },
        { type: 'Synchronous/Messages', description: 'a sync message' },
      ],
    }),
    'shop-switchyard.json',
  );
  const [http, message, other] = pact.interactions;

  it('tells HTTP from message interactions, and neither for another type', () => {
    expect([isHttp(http), isMessage(http)]).toEqual([true, false]);
    expect([isHttp(message), isMessage(message)]).toEqual([false, true]);
    expect([isHttp(other), isMessage(other)]).toEqual([false, false]);
  });

  it('names an interaction by consumer and description', () => {
    expect(nameOf(pact, http)).toBe('shop "a poll"');
    expect(nameOf(pact, message)).toBe('shop "an "event""');
  });
});
