// A worker's place comes from its environment and is taken out of it before the configuration is read.
import { takeWorkerPlace, WORKER_GROUP, WORKER_INDEX } from '../src/cluster/worker-messages';

it('a worker: its index and group, and both variables removed from the environment', () => {
  const env: NodeJS.ProcessEnv = { [WORKER_INDEX]: '2', [WORKER_GROUP]: 'g-1', OTHER: 'kept' };
  expect(takeWorkerPlace(env)).toEqual({ index: 2, group: 'g-1' });
  expect(env).toEqual({ OTHER: 'kept' });
});

it('a lone process: undefined', () => {
  expect(takeWorkerPlace({ OTHER: 'x' })).toBeUndefined();
});

it.each([
  ['only the index', { [WORKER_INDEX]: '0' }],
  ['only the group', { [WORKER_GROUP]: 'g' }],
])('%s: undefined, and the one set is removed all the same', (_what, given) => {
  const env: NodeJS.ProcessEnv = { ...given };
  expect(takeWorkerPlace(env)).toBeUndefined();
  expect(env).toEqual({});
});

it('index 0 is a place, not a lone process', () => {
  expect(takeWorkerPlace({ [WORKER_INDEX]: '0', [WORKER_GROUP]: 'g' })).toEqual({ index: 0, group: 'g' });
});
