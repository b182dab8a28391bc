// A current client library, unmodified: socket.io-client 4 with the original app's payload.
import { io } from 'socket.io-client';
import { describeAppScenario, type Connect } from './workspace-app';

const connect: Connect = (url, transports) => io(url, { path: '/socket.io/', transports, reconnection: false, forceNew: true, timeout: 10_000 });

describeAppScenario('socket.io-client 4', connect, (gw) => {
  it('ignores handshake auth: a v4 client that also sends it still authenticates with the auth event', async () => {
    const socket = io(gw().url, { path: '/socket.io/', transports: ['websocket'], reconnection: false, forceNew: true, auth: { token: 'ignored' } });
    try {
      await new Promise<void>((resolve, reject) => {
        socket.on('connect', () => resolve());
        socket.on('connect_error', reject);
      });
      socket.emit('auth', { transaction: 'auth', token: await gw().token('hank', { workspaces: ['wh'] }), workspaceId: 'wh', prevSocketId: null, localTimeZone: 'UTC' });
      const success = await new Promise((resolve) => socket.on('auth-success', resolve));
      expect(success).toEqual({ transaction: 'auth', userId: 'hank', reconnected: false, onlineStatus: 'online' });
    } finally {
      socket.disconnect();
    }
  });
});
