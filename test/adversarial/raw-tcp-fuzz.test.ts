// Request lines and upgrade requests over raw TCP, as no HTTP client would send them: odd methods
// and versions (HTTP/0.9, HTTP/2 preface), targets like `//`, `/\\`, `//:99999`, dot segments and
// bad escapes, broken and huge headers, bad Sec-WebSocket-Key and -Version, random bytes. Every
// connection is answered with a status line below 500 (or upgraded, or closed) within the wait;
// the server stays up.
import { connect } from 'node:net';
import fc from 'fast-check';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { params, POLLUTING_KEYS, expectSurvived, prototypeSnapshot, Surface } from './kit';

jest.setTimeout(120_000);

const ANSWER_MS = 5_000;
const surface = new Surface('raw tcp');
const prototypesBefore = prototypeSnapshot();
const statuses: Record<string, number> = {};
let gw: TestGateway;
let port: number;

beforeAll(async () => {
  // Long polls answer at once: a valid poll among the cases must not look like a hung connection.
  gw = await startGateway({ POLL_TIMEOUT_MS: '0', MESSENGER_POLL_TIMEOUT_MS: '0' });
  port = Number(new URL(gw.url).port);
});

afterAll(() => gw.stop());

const method = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('GET', 'GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'QUERY', 'CONNECT', 'PROPFIND', 'PRI') },
  { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z!#$%&'*+.^_`|~-]{1,12}$/) },
  { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 8 }) },
);

const target = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      '/', '//', '/\\\\', '//:99999', '//a/../', '/ws', '/ws?key=', '/ws?key=%', '/ws/../ws', '/./ws', '/?session_key=%E0%A4%A',
      '/socket.io/?EIO=4&transport=websocket', '/socket.io/?EIO=4&transport=polling', '/socket.io/?EIO=3&transport=polling&sid=nope',
      '/socket.io/', '/socket.io/../ws', '/events/v1/events?clientId=a&channel=b&secret=dev-api-secret&after=-1',
      '/events/v1/ping/%', '/events/v1/ping/%2F..%2F', '/publish/v1/__proto__', '/api/v1/ws/ticket', '*', 'http://x/ws', 'http://[::1', '/%00', '/\u00ff',
    ),
  },
  { weight: 2, arbitrary: fc.webPath().map((p) => p || '/') },
  { weight: 1, arbitrary: fc.string({ maxLength: 40 }).map((s) => `/${s}`) },
  { weight: 1, arbitrary: fc.constantFrom(...POLLUTING_KEYS).map((k) => `/${k}?${k}=1&__proto__[x]=1`) },
);

const version = fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.2', 'HTTP/9', 'http/1.1', '');

const key = fc.oneof(
  fc.constant('dGhlIHNhbXBsZSBub25jZQ=='),
  fc.uint8Array({ minLength: 16, maxLength: 16 }).map((b) => Buffer.from(b).toString('base64')),
  fc.string({ maxLength: 30 }),
  fc.constant(''),
);

const upgradeHeaders = fc.record(
  {
    Connection: fc.constantFrom('Upgrade', 'upgrade, keep-alive', 'close', 'Upgrade, Upgrade'),
    Upgrade: fc.constantFrom('websocket', 'WebSocket', 'h2c', 'websocket, h2c', ''),
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Version': fc.constantFrom('13', '8', '99', '', 'abc', '13, 8'),
    'Sec-WebSocket-Protocol': fc.constantFrom('chat', ' ', ',,,'),
    'Sec-WebSocket-Extensions': fc.constantFrom('permessage-deflate', 'permessage-deflate; client_max_window_bits=99', 'x;;;'),
  },
  { requiredKeys: ['Connection', 'Upgrade'] },
);

const header = fc.tuple(fc.oneof(fc.stringMatching(/^[A-Za-z0-9-]{1,20}$/), fc.string({ maxLength: 12 })), fc.string({ maxLength: 60 }));

/**
 * Random bytes end with an empty line so the parser always reaches a verdict (empty lines alone
 * are not a request: a server waits for the request line after them, as HTTP allows).
 */
const request: fc.Arbitrary<Buffer> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .record({
        method,
        target,
        version,
        host: fc.boolean(),
        upgrade: fc.option(upgradeHeaders, { freq: 2 }),
        headers: fc.array(header, { maxLength: 4 }),
        huge: fc.option(fc.integer({ min: 1_000, max: 40_000 }), { freq: 10 }),
      })
      // Content-Length or Transfer-Encoding would make the server wait for a body that never comes.
      .map(({ method, target, version, host, upgrade, headers, huge }) => {
        const lines = [`${method} ${target}${version ? ` ${version}` : ''}`];
        if (host) lines.push('Host: localhost');
        for (const [name, value] of Object.entries(upgrade ?? {})) lines.push(`${name}: ${value}`);
        for (const [name, value] of headers) if (!/content-length|transfer-encoding/i.test(name)) lines.push(`${name}: ${value}`);
        if (huge) lines.push(`X-Huge: ${'h'.repeat(huge)}`);
        return Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
      }),
  },
  {
    weight: 1,
    arbitrary: fc
      .uint8Array({ maxLength: 200 })
      .filter((b) => b.some((byte) => byte !== 13 && byte !== 10))
      .map((b) => Buffer.concat([Buffer.from(b), Buffer.from('\r\n\r\n')])),
  },
  { weight: 1, arbitrary: fc.constantFrom('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'GET /\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\n\rX\r\n\r\n').map((s) => Buffer.from(s)) },
);

/** Sends the bytes; resolves with the first status code, 'closed' without one, or 'hung'. */
function exchange(bytes: Buffer): Promise<number | 'closed' | 'hung'> {
  return new Promise((resolve) => {
    let text = '';
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    const done = (outcome: number | 'closed' | 'hung') => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(() => done('hung'), ANSWER_MS);
    socket.on('data', (d) => {
      text += d.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3}) /.exec(text);
      if (m) done(Number(m[1]));
    });
    socket.on('close', () => done('closed'));
    socket.on('error', () => undefined);
  });
}

it('every malformed request line or upgrade is answered below 500, upgraded, or closed; none hangs', async () => {
  await fc.assert(
    fc.asyncProperty(request, async (bytes) => {
      const outcome = await exchange(bytes);
      surface.cases += 1;
      statuses[String(outcome)] = (statuses[String(outcome)] ?? 0) + 1;
      if (typeof outcome === 'number' && outcome >= 500 && outcome !== 501) surface.fiveXx += 1;
      expect([outcome, bytes.toString('latin1').slice(0, 300)]).not.toEqual(['hung', expect.anything()]);
      if (typeof outcome === 'number') expect([outcome >= 500 && outcome !== 501, bytes.toString('latin1').slice(0, 300)]).toEqual([false, expect.anything()]);
    }),
    params(600),
  );
  surface.finished();
});

it('stays up, unpolluted, with no crash and no 5xx', async () => {
  process.stdout.write(`raw tcp outcomes (501: a method the gateway does not recognise, the right answer): ${JSON.stringify(statuses)}\n`);
  await expectSurvived(gw.url, [surface], prototypesBefore);
});
