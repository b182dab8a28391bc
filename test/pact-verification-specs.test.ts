// The specs as documents for the contract stages: the package's specs/*.yaml, and the examples the
// provider states and message producers are made from.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gameSnapshot, messageExample, specDocuments } from '../src/pact-verification/specs';

const SPECS = join(__dirname, '..', 'specs');

describe('specDocuments', () => {
  it('every YAML spec of the package, sorted by file name, parsed, with its absolute path', () => {
    const docs = specDocuments();
    const yaml = readdirSync(SPECS).filter((f) => f.endsWith('.yaml')).sort();
    expect(docs.map((d) => d.file)).toEqual(yaml);
    expect(docs.map((d) => d.path)).toEqual(yaml.map((f) => join(SPECS, f)));
    expect(docs.find((d) => d.file === 'events.openapi.yaml')?.raw.openapi).toMatch(/^3\./);
    expect(docs.find((d) => d.file === 'games.asyncapi.yaml')?.raw.asyncapi).toMatch(/^[23]\./);
  });

  it('reads the files once', () => {
    expect(specDocuments()).toBe(specDocuments());
  });
});

describe('messageExample', () => {
  it('the payload of a message example, by index', () => {
    expect(messageExample('pizza', 'CREATE_PIZZA')).toMatchObject({ data: { name: expect.any(String) } });
    expect(messageExample('games', 'update', 0)).toMatchObject({ payload: { data: { id: expect.any(Number) } } });
  });

  it('a copy: changing it leaves the spec as it is', () => {
    const example = messageExample('pizza', 'CREATE_PIZZA');
    example.data.name = 'changed';
    expect(messageExample('pizza', 'CREATE_PIZZA').data.name).not.toBe('changed');
  });

  it.each([
    ['an API without an AsyncAPI spec', 'nope', 'update', 0, 'no example 0 of message update in nope'],
    ['a message the spec lacks', 'games', 'nope', 0, 'no example 0 of message nope in games'],
    ['an example index past the last', 'games', 'update', 99, 'no example 99 of message update in games'],
  ])('names %s', (_what, api, id, index, error) => {
    expect(() => messageExample(api, id, index)).toThrow(error);
  });
});

describe('gameSnapshot', () => {
  it("the spec's update example with the given id and state and no players, fresh each time", () => {
    const example = messageExample('games', 'update').payload.data;
    const game = gameSnapshot(42, 'finished');
    expect(game).toEqual({ ...example, id: 42, state: 'finished', players: [] });
    expect(gameSnapshot(7).state).toBe('players_waiting');
    game.name = 'changed';
    expect(gameSnapshot(42, 'finished').name).toBe(example.name);
  });
});
