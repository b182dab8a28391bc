// Dependency resolutions the runtime relies on and package.json's `overrides` pins.
import { dirname } from 'node:path';

/** What `request` resolves to from inside `pkg` (its main file's folder: not every package exports its package.json). */
const resolveFrom = (pkg: string, request: string): string => require.resolve(request, { paths: [dirname(require.resolve(pkg))] });

describe('dependencies', () => {
  // ws before 8.23 keeps a view of a client's last frame (its mask) until the next frame: on an idle
  // socket.io connection that pins the chunk that carried its `auth` (the token) until the next pong.
  it.each(['engine.io', 'socket.io-adapter'])('%s runs on the same ws as the raw WebSocket APIs', (pkg) => {
    expect(resolveFrom(pkg, 'ws')).toBe(require.resolve('ws'));
  });
});
