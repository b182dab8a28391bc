// The original workspace app's client library, unmodified: socket.io-client 2.4.0 (Engine.IO 3),
// installed from npm as the alias `socket.io-client-v2`, against a real gateway.
import { describeAppScenario, type AppSocket, type Connect } from './workspace-app';

// socket.io-client 2 ships no types; this is the part of its API the tests use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ioV2: (url: string, options: Record<string, unknown>) => AppSocket = require('socket.io-client-v2');

const connect: Connect = (url, transports) => ioV2(url, { path: '/socket.io', transports, reconnection: false, forceNew: true, timeout: 10_000 });

describeAppScenario('socket.io-client 2.4.0', connect, (_gw, open) => {
  it('is the pinned 2.4.0', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    expect(require('socket.io-client-v2/package.json').version).toBe('2.4.0');
  });

  it.each([['polling'], ['websocket']] as const)('heartbeat over %s: the client pings, the server answers (Engine.IO 3)', async (transport) => {
    const app = await open([transport]);
    let pongs = 0;
    app.socket.on('pong', () => (pongs += 1));
    // The gateway's ping interval is 200 ms: three answered pings, and still connected.
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (pongs >= 3) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    expect(app.disconnectReason).toBeUndefined();
  });
});
