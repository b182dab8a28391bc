// Bytes over a plain TCP connection, for requests no HTTP client would send (malformed request
// lines, bad upgrades). Resolves with what the server wrote once it closes the connection, or when
// `waitMs` has passed (then `closed` is false).
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';

export interface RawAnswer {
  text: string;
  /** The status code of the first status line, if any. */
  status: number | undefined;
  closed: boolean;
}

export function rawRequest(url: string, bytes: string | Buffer, waitMs = 5_000, later: (string | Buffer)[] = []): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    // Each of `later` goes in a TCP segment of its own, a moment after the one before.
    const send = async () => {
      socket.setNoDelay(true);
      for (const [i, piece] of [bytes, ...later].entries()) {
        if (i > 0) await delay(50);
        if (socket.writable) socket.write(piece);
      }
    };
    const socket = connect(Number(port), hostname, () => void send());
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ text, status: m ? Number(m[1]) : undefined, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined); // a reset ends in 'close' too
  });
}

/** An upgrade request to `target` with the given extra header lines (a valid handshake by default). */
export function upgradeRequest(target: string, headers: Record<string, string> = {}, method = 'GET'): string {
  const all: Record<string, string> = {
    Host: 'localhost',
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    ...headers,
  };
  const lines = Object.entries(all).filter(([, v]) => v !== '').map(([k, v]) => `${k}: ${v}`);
  return `${method} ${target} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

/** The value of one sample of a Prometheus text exposition, 0 when absent. */
export function metricValue(text: string, sample: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.slice(sample.length + 1)) : 0;
}
