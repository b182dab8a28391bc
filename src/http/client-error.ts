// Requests Node's HTTP parser refuses (a malformed request line or header, an unknown version,
// headers over the limit, a request that took too long to arrive) never reach Koa: the server's
// 'clientError' answers them as Node would by default (400, 431, 413 or 408, only while nothing
// else was written on the connection, then the connection is dropped) and counts them. An HTTP/2
// connection preface, or any PRI request, which the parser may leave hanging, is answered likewise.
import { STATUS_CODES, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { Metrics } from '../metrics';

interface Answer {
  status: number;
  kind: string;
}

// HTTP/2 is not served: its connection preface (`PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n`, RFC 9113 §3.4),
// the only use of the method PRI, gets Node's answer, 400 (a 5xx would count against the gateway
// wherever error rates are watched), and a count of its own.
const HTTP2_PREFACE: Answer = { status: 400, kind: 'http2_preface' };
const ANSWERS: Readonly<Record<string, Answer>> = {
  HPE_HEADER_OVERFLOW: { status: 431, kind: 'headers_too_large' },
  HPE_CHUNK_EXTENSIONS_OVERFLOW: { status: 413, kind: 'chunk_extensions_too_large' },
  ERR_HTTP_REQUEST_TIMEOUT: { status: 408, kind: 'request_timeout' },
  HPE_PAUSED_H2_UPGRADE: HTTP2_PREFACE,
};
const MALFORMED: Answer = { status: 400, kind: 'malformed_request' };
const PRI = Buffer.from('PRI ', 'latin1');
const CR = 13;
const LF = 10;

export function answerClientErrors(server: Server, metrics: Metrics): void {
  const answer = (socket: Socket, { status, kind }: Answer) => {
    metrics.badInputTotal.inc({ api: 'http', kind });
    if (!socket.writable || socket.bytesWritten > 0) return void socket.destroy();
    socket.once('finish', () => socket.destroy());
    socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  };
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    // A client that hung up sent nothing wrong, and there is no one to answer.
    if (err.code === 'ECONNRESET') return void socket.destroy();
    answer(socket, ANSWERS[err.code ?? ''] ?? MALFORMED);
  });
  // After a PRI request line and an empty line, Node's parser waits, silently, for the rest of the
  // preface, so a bare `PRI / HTTP/1.1` request would hang until the headers timeout. The first
  // bytes of each connection are looked at once, after the parser (which answers the whole preface
  // itself). The price: watching them makes Node read the connection through JS for its whole life
  // rather than straight into its parser: a few µs of CPU per request on a bare node:http server,
  // lost in the noise of the gateway's own ~60 µs per request.
  server.on('connection', (socket: Socket) => {
    let start: Buffer | undefined;
    const look = (chunk: Buffer) => {
      const verdict = priLine(start ? Buffer.concat([start, chunk]) : chunk);
      if (verdict instanceof Buffer) return void (start = verdict);
      socket.off('data', look);
      if (verdict && socket.writable) answer(socket, HTTP2_PREFACE);
    };
    socket.on('data', look);
  });
}

/**
 * Whether a connection's first bytes start a PRI request (empty lines before it are skipped, as
 * the parser does), or, when they are too few to say, the bytes to look at with the next ones.
 */
export function priLine(bytes: Buffer): boolean | Buffer {
  let at = 0;
  while (bytes[at] === CR || bytes[at] === LF) at++;
  const head = bytes.subarray(at, at + PRI.length);
  if (head.length === PRI.length) return head.equals(PRI);
  return PRI.subarray(0, head.length).equals(head) ? head : false;
}
