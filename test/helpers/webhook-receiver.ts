// Test helpers for the messenger tests: a local webhook receiver and a polling wait loop.
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
export { waitFor } from './wait';

export interface Received {
  headers: IncomingHttpHeaders;
  /** The raw body, exactly as received (what the signature covers). */
  raw: string;
  json: any;
}

/** What the receiver answers to a request: a status (with headers), or 'hang' (never answer). */
export type Answer = number | { status: number; headers: Record<string, string> } | 'hang';

export interface Receiver {
  url: string;
  received: Received[];
  /** Requests answered 'hang' and still open. */
  hanging: ServerResponse[];
  answer: (req: Received, index: number) => Answer;
  close(): Promise<void>;
}

export async function startReceiver(answer: (req: Received, index: number) => Answer = () => 200, path = '/hook'): Promise<Receiver> {
  const receiver: Receiver = { url: '', received: [], hanging: [], answer, close: async () => undefined };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        json = undefined;
      }
      const entry: Received = { headers: req.headers, raw, json };
      const index = receiver.received.push(entry) - 1;
      const what = receiver.answer(entry, index);
      if (what === 'hang') {
        receiver.hanging.push(res);
        return;
      }
      if (typeof what === 'number') res.statusCode = what;
      else res.writeHead(what.status, what.headers);
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  receiver.close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  return receiver;
}

/** A URL nothing listens on (a port that was just free). */
export async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/down`;
}


export const newMessage = (n: number, toId = 1) => ({
  message_id: n,
  to_id: toId,
  from_id: 99,
  created_at: 1581110027 + n,
  text: `message ${n}`,
});
