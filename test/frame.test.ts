// Frames built from the catalogue alone: consts, data at its pointer, the API's extra values.
import { catalogues } from '../generated';
import { buildFrame, setAt } from '../src/envelopes/frame';

it('puts consts, extras and data in place for a games broadcast', () => {
  const frame = buildFrame(catalogues.games.messages.join, { id: 1 }, { '/payload/pk': 7 });
  expect(frame).toEqual({ stream: 'games', payload: { action: 'join', pk: 7, model: 'Player', data: { id: 1 } } });
});

it('uses the whole data as the frame for an empty pointer (socket.io payloads)', () => {
  expect(buildFrame(catalogues.workspace.messages['channel-created'], { channelId: 'c' })).toEqual({ channelId: 'c' });
});

it('takes an explicit pointer for messages an API produces itself', () => {
  const deprecated = Object.values(catalogues.messenger.messages).find((m) => m.name === 'callback_deprecated')!;
  expect(buildFrame(deprecated, { old_callback: 'a', new_callback: 'b' }, {}, '/event')).toEqual({
    type: 'callback_deprecated',
    event: { old_callback: 'a', new_callback: 'b' },
  });
});

it('setAt unescapes ~0 and ~1 and creates objects on the way', () => {
  const target = {};
  setAt(target, '/a~1b/c~0d', 1);
  expect(target).toEqual({ 'a/b': { 'c~d': 1 } });
});
