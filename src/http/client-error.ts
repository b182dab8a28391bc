// Requests Node's HTTP parser refuses (a malformed request line or header, an unknown version,
// headers over the limit, a request that took too long to arrive) never reach Koa: the server's
// 'clientError' answers them as Node would by default (400, 431, 413 or 408, only while nothing
// else was written on the connection, then the connection is dropped) and counts them.
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Metrics } from '../metrics';

const ANSWERS: Readonly<Record<string, { status: number; kind: string }>> = {
  HPE_HEADER_OVERFLOW: { status: 431, kind: 'headers_too_large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, kind: 'chunk_extensions_too_large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, kind: 'request_timeout' },
};
const MALFORMED = { status: 400, kind: 'malformed_request' };

export function answerClientErrors(server: Server, metrics: Metrics): void {
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A client that hung up sent nothing wrong, and there is no one to answer.
    if (err.code === 'ECONNRESET') return void socket.destroy();
    const { status, kind } = ANSWERS[err.code ?? ''] ?? MALFORMED;
    metrics.badInputTotal.inc({ api: 'http', kind });
    if (!socket.writable || socket.bytesWritten > 0) return void socket.destroy();
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  });
}
