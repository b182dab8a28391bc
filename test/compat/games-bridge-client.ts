// The original quiz front-end's transport, unmodified: django-channels 1.1.8's WebSocketBridge (a
// browser library on reconnecting-websocket). Node has no `window` nor global WebSocket, so the
// bridge gets a `window.location` for its URL logic and the `ws` package's WebSocket through
// reconnecting-websocket's documented `constructor` option; the library itself is not touched.
import WebSocket from 'ws';
import { waitFor } from '../helpers/wait';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { WebSocketBridge } = require('django-channels') as { WebSocketBridge: new () => Bridge };

interface Bridge {
  socket: { addEventListener(event: string, cb: () => void): void; close(code?: number, reason?: string, options?: { keepClosed: boolean }): void };
  connect(url?: string, protocols?: string[], options?: Record<string, unknown>): void;
  listen(cb?: (action: unknown, stream: string | null) => void): void;
  demultiplex(stream: string, cb: (action: any, stream: string) => void): void;
  stream(name: string): { send(action: unknown): void };
}

export class GamesBridgeClient {
  /** Every `games` payload received, in order. */
  readonly payloads: any[] = [];

  private constructor(private readonly bridge: Bridge) {
    bridge.demultiplex('games', (action) => void this.payloads.push(action));
  }

  static async open(gatewayUrl: string, sessionKey: string | null): Promise<GamesBridgeClient> {
    const { host } = new URL(gatewayUrl);
    (globalThis as any).window = { location: { protocol: 'http:', host } };
    const bridge = new WebSocketBridge();
    // A relative URL, as the front-end passes it: the bridge prefixes ws://<window.location.host>.
    bridge.connect(sessionKey === null ? '/' : `/?session_key=${sessionKey}`, undefined, { constructor: WebSocket, maxRetries: 0 });
    bridge.listen();
    const client = new GamesBridgeClient(bridge);
    await new Promise<void>((resolve) => bridge.socket.addEventListener('open', () => resolve()));
    return client;
  }

  send(payload: Record<string, unknown>): void {
    this.bridge.stream('games').send(payload);
  }

  /** Sends a request and resolves with its reply (the payload whose request_id matches). */
  async request(payload: Record<string, unknown>): Promise<any> {
    this.send(payload);
    return this.reply(payload.request_id as string);
  }

  async reply(requestId: string): Promise<any> {
    await waitFor(() => this.payloads.some((p) => p.request_id === requestId && 'response_status' in p), `reply ${requestId}`);
    return this.payloads.find((p) => p.request_id === requestId && 'response_status' in p);
  }

  /** The `count` payloads up to and including the reply to `requestId`, as `action/model` or `reply`. */
  lastBefore(requestId: string, count: number): string[] {
    const end = this.payloads.findIndex((p) => p.request_id === requestId && 'response_status' in p);
    return this.payloads.slice(end - count + 1, end + 1).map((p) => ('response_status' in p ? `reply ${p.action} ${p.response_status}` : `${p.action}/${p.model}`));
  }

  close(): void {
    this.bridge.socket.close(1000, 'done', { keepClosed: true });
  }
}
