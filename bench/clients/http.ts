// Minimal keep-alive HTTP for the load generator: node:http rather than fetch, because undici's
// per-request overhead would be spent on the same core as the clients it is supposed to leave alone.
import { Agent, request } from 'node:http';

const IDLE_SOCKET_MS = 2_000;

export interface HttpResponse {
  status: number;
  text: string;
}

export class HttpClient {
  private readonly agent: Agent;

  constructor(private readonly port: number, maxSockets: number) {
    // An idle kept-alive socket is dropped here after 2 s, before the server's 5 s keep-alive timeout
    // closes it: reusing one the server is closing fails the request (ECONNRESET, "socket hang up").
    this.agent = new Agent({ keepAlive: true, maxSockets, timeout: IDLE_SOCKET_MS });
  }

  call(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
    return this.send(method, path, headers, body).catch((err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
      // A kept-alive socket the server closed as idle just as this request went out on it: the server
      // never read the request, so it is sent once more (the retry Node's http docs recommend). A
      // server whose event loop is blocked for more than its keep-alive timeout (5 s) closes sockets
      // that way under a heavy fan-out.
      if (err.reusedSocket && err.code === 'ECONNRESET') return this.send(method, path, headers, body);
      throw err;
    });
  }

  private send(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
    return new Promise((resolve, reject) => {
      const allHeaders: Record<string, string | number> = { ...headers };
      if (body !== undefined) {
        allHeaders['content-type'] = 'application/json';
        allHeaders['content-length'] = Buffer.byteLength(body);
      }
      const req = request({ host: '127.0.0.1', port: this.port, method, path, headers: allHeaders, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', (err: NodeJS.ErrnoException & { reusedSocket?: boolean }) => {
        err.reusedSocket = req.reusedSocket;
        reject(err);
      });
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
