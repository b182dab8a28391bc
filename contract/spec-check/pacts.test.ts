// The spec check (bi-directional): what consumers rely on must be what the specs promise. Every
// interaction of every pact in pacts/ is validated against the specs; the fixtures prove the check
// rejects a pact that expects a field the spec lacks, or a value of another type.
import { basename, join } from 'node:path';
import { catalogues } from '../../generated';
import { isHttp, isMessage, readPact, type PactFile } from '../../src/pact-verification/pact-file';
import { pactFiles } from '../../src/pact-verification/sources';
import { checkPact, findOperation, loadSpecs } from '../../src/pact-verification/spec-check';
import { CONSUMERS, PACTS_DIR, pactFile } from '../pact';

const pacts: PactFile[] = pactFiles(PACTS_DIR).map(readPact);
const specs = loadSpecs();
const fixture = (name: string) => readPact(join(__dirname, '..', 'fixtures', name));

it('pacts/ holds the pact of every documented client, and nothing else', () => {
  expect(pactFiles(PACTS_DIR).map((f) => basename(f))).toEqual(Object.values(CONSUMERS).map((c) => basename(pactFile(c))).sort());
});

it.each(pacts.map((p) => [p.file, p] as const))('every interaction of %s fits the specs', (_file, pact) => {
  expect(pact.interactions.length).toBeGreaterThan(0);
  expect(checkPact(pact, specs)).toEqual([]);
});

describe('coverage: the pacts exercise every part of the specs a client uses', () => {
  it('every message Switchyard sends is in some pact', () => {
    const used = new Set(pacts.flatMap((p) => p.interactions.filter(isMessage).map((i) => `${String(i.metadata?.api)} ${String(i.metadata?.message)}`)));
    const sent = Object.values(catalogues).flatMap((c) => Object.values(c.messages).filter((m) => m.direction === 'send').map((m) => `${c.api} ${m.id}`));
    expect(sent.filter((m) => !used.has(m))).toEqual([]);
  });

  it('every REST operation a documented client calls is in some pact', () => {
    // Operational endpoints and the original's extras, which no documented client calls.
    const unused = ['healthz', 'readyz', 'metrics', 'about', 'ping'];
    const used = new Set(pacts.flatMap((p) => p.interactions.filter(isHttp).map((i) => findOperation(catalogues, i.request.method, i.request.path)?.op.operationId)));
    const operations = Object.values(catalogues).flatMap((c) => Object.keys(c.operations));
    expect(operations.filter((op) => !used.has(op) && !unused.includes(op))).toEqual([]);
  });
});

describe('the check rejects, naming the interaction', () => {
  it('a pact that expects fields the spec lacks', () => {
    expect(checkPact(fixture('field-the-spec-lacks.json'), specs)).toEqual([
      'fixture-client "a ticket that says when it expires": response 200 body: (root): unexpected property "expires_in"',
      `fixture-client "a channel-created event with the channel's name": content: (root): unexpected property "name"`,
    ]);
  });

  it('a pact that expects a value of another type', () => {
    expect(checkPact(fixture('type-violation.json'), specs)).toEqual([
      'fixture-client "an emitted event whose id is text": response 200 body: /id: must be integer',
      'fixture-client "a CREATE_PIZZA whose price is text": content: /data/price: must be number',
    ]);
  });

  it('an HTTP interaction outside the specs, and a message that is not one Switchyard sends', () => {
    const pact: PactFile = {
      file: 'made-up.json',
      consumer: 'fixture-client',
      provider: 'switchyard',
      interactions: [
        { type: 'Synchronous/HTTP', description: 'a delete', request: { method: 'DELETE', path: '/events/v1/events' }, response: { status: 204 } },
        { type: 'Asynchronous/Messages', description: 'an auth event', contents: { content: { token: 't', workspaceId: 'w' } }, metadata: { api: 'workspace', message: 'auth', event: 'auth' } },
        { type: 'Asynchronous/Messages', description: 'an unnamed message', contents: { content: {} } },
      ],
    };
    expect(checkPact(pact, specs)).toEqual([
      'fixture-client "a delete": no operation DELETE /events/v1/events in the specs',
      'fixture-client "an auth event": workspace auth is not a message Switchyard sends',
      'fixture-client "an unnamed message": metadata {api: undefined, message: undefined} names no message of the specs',
    ]);
  });
});
