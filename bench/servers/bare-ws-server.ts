// The baseline: a broadcast server the way a Node developer ordinarily writes one with `ws` (its
// README's broadcast example behind an HTTP POST). The body is parsed, serialized ONCE, and the
// string is `send`-ed to every open client. No validation, no auth, no routing: what is left is the
// unavoidable cost of HTTP ingress plus WebSocket fan-out, which is what switchyard is measured against.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import WebSocket, { WebSocketServer } from 'ws';
import { listenLocal, runServerChild } from '../lib/server-child';

/** POST /publish: one frame; POST /publish-batch: an array of frames, each sent as in /publish. */
function publish(wss: WebSocketServer, req: IncomingMessage, res: ServerResponse, batch: boolean): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: unknown;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    for (const frame of batch && Array.isArray(body) ? body : [body]) {
      const text = JSON.stringify(frame);
      for (const client of wss.clients) {
        if (client.readyState === WebSocket.OPEN) client.send(text);
      }
    }
    res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
  });
}

runServerChild('bare-ws-server', async () => {
  const server = createServer((req, res) => {
    if (req.method === 'POST' && (req.url === '/publish' || req.url === '/publish-batch')) publish(wss, req, res, req.url === '/publish-batch');
    else res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server });
  return listenLocal(server, () => {
    for (const client of wss.clients) client.terminate();
    wss.close();
  });
});
