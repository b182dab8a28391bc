// socket.io clients for the load generator, speaking the wire protocol (engine.io 4 + socket.io 5
// packets) over a plain `ws` socket: `0{...}` open, `40` connect to the main namespace, `42[event,
// data]` events, `2`/`3` ping and pong. A delivery is then one WebSocket text frame the load
// generator reads the marker from, exactly as it does for the ws scenarios; socket.io-client would
// JSON-decode every delivery on the load generator's core instead.
import WebSocket from 'ws';

/** As the ws scenarios' clients: no compression (neither server negotiates it), no UTF-8 checks. */
export const CLIENT_OPTIONS: WebSocket.ClientOptions = { perMessageDeflate: false, skipUTF8Validation: true };

const PING = 0x32; // '2'
const HANDSHAKE_TIMEOUT_MS = 30_000;

/** Resolves with the first text frame `match` accepts (its text), rejects on close or timeout. */
export function nextFrame(ws: WebSocket, match: (text: string) => boolean, what: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer);
      ws.off('message', onMessage);
      ws.off('close', onClose);
    };
    const onMessage = (data: Buffer): void => {
      const text = data.toString('utf8');
      if (!match(text)) return;
      done();
      resolve(text);
    };
    const onClose = (code: number): void => {
      done();
      reject(new Error(`socket.io: closed (${code}) while waiting for ${what}`));
    };
    const timer = setTimeout(() => {
      done();
      reject(new Error(`socket.io: no ${what} within ${HANDSHAKE_TIMEOUT_MS / 1000} s`));
    }, HANDSHAKE_TIMEOUT_MS);
    ws.on('message', onMessage);
    ws.once('close', onClose);
  });
}

/** Opens a socket.io connection to the main namespace over WebSocket; answers pings from then on. */
export async function openSocketIo(base: string): Promise<WebSocket> {
  const ws = new WebSocket(`${base}/socket.io/?EIO=4&transport=websocket`, CLIENT_OPTIONS);
  // The engine's open packet can arrive right after the upgrade: listen before 'open'.
  const opened = nextFrame(ws, (t) => t.startsWith('0'), 'the engine.io open packet');
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => {
      ws.off('error', reject);
      resolve();
    });
    ws.once('error', reject);
  });
  await opened;
  const connected = nextFrame(ws, (t) => t.startsWith('40'), 'the namespace connect packet');
  ws.send('40');
  await connected;
  ws.on('message', (data: Buffer) => {
    if (data.length === 1 && data[0] === PING) ws.send('3');
  });
  return ws;
}

/** A socket.io connection authenticated in the workspace API with `token` (fails on any other answer). */
export async function openWorkspaceMember(base: string, token: string, workspaceId: string): Promise<WebSocket> {
  const ws = await openSocketIo(base);
  const reply = nextFrame(ws, (t) => isEvent(t, 'auth-success') || isEvent(t, 'socket-api-error'), 'the auth reply');
  emit(ws, 'auth', { token, workspaceId });
  const text = await reply;
  if (!isEvent(text, 'auth-success')) throw new Error(`auth refused: ${text}`);
  return ws;
}

export function emit(ws: WebSocket, event: string, data: unknown): void {
  ws.send(`42${JSON.stringify([event, data])}`);
}

/** True when `text` is the socket.io event `event` (`42["<event>",...`). */
export function isEvent(text: string, event: string): boolean {
  return text.startsWith(`42["${event}"`);
}
