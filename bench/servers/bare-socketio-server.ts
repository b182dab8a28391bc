// The socket.io baseline: a broadcast server the way a Node developer ordinarily writes one with
// socket.io (its "emit to a room" cheatsheet behind an HTTP POST). Every connection joins one room;
// `POST /publish {event, data}` parses the body and calls `io.to(room).emit(event, data)`, which
// encodes the packet once and writes it to every socket of the room. No auth, no validation, no
// routing: what is left is HTTP ingress plus socket.io fan-out, which switchyard's workspace API is
// measured against.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { Server } from 'socket.io';
import { BENCH_CHANNEL } from '../lib/payloads';
import { listenLocal, runServerChild } from '../lib/server-child';

function publish(io: Server, req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    let body: { event?: unknown; data?: unknown };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as typeof body;
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (typeof body.event !== 'string') {
      res.writeHead(400).end();
      return;
    }
    io.to(BENCH_CHANNEL).emit(body.event, body.data);
    res.writeHead(202, { 'content-type': 'application/json' }).end('{}');
  });
}

runServerChild('bare-socketio-server', async () => {
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url === '/publish') publish(io, req, res);
    else res.writeHead(404).end();
  });
  const io = new Server(server, { serveClient: false });
  io.on('connection', (socket) => void socket.join(BENCH_CHANNEL));
  // io.close() would close the HTTP server too; listenLocal does that.
  return listenLocal(server, () => io.local.disconnectSockets(true));
});
