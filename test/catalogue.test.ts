// The generated catalogues: what the runtime relies on to route and validate every message.
import { API_NAMES, catalogues } from '../generated';
import { buildApiModel } from '../scripts/codegen/catalogue';
import type { Spec } from '../scripts/codegen/specs';

describe('message catalogues', () => {
  const publishable = (api: keyof typeof catalogues) =>
    Object.values(catalogues[api].messages).filter((m) => m.publish).map((m) => [m.name, [...m.publish!.audience]]);

  it('lists the publishable messages of each API with their audience keys', () => {
    expect(publishable('pizza')).toEqual([['CREATE_PIZZA', ['store_id']], ['ACCEPT_PIZZA', ['store_id']]]);
    expect(publishable('messenger')).toEqual([['new_message', ['user_id']]]);
    expect(publishable('events')).toEqual([['event', ['channel']]]);
    expect(publishable('games').map(([n]) => n).sort()).toEqual(['answer', 'check', 'finish', 'join', 'next_question', 'update']);
    const workspace = Object.fromEntries(publishable('workspace'));
    expect(Object.keys(workspace).sort()).toEqual([
      'channel-created', 'channel-deleted', 'channel-updated', 'conversation-broadcast', 'invite', 'invite-cancelled',
      'invite-response', 'kicked-from-workspace', 'me-updated', 'media-state-updated', 'online-status-updated',
      'user-changed-device', 'user-joined', 'user-leaved-workspace', 'user-selected-channel', 'user-unselected-channel',
      'user-updated', 'workspace-updated',
    ]);
    expect(workspace['media-state-updated']).toEqual(['channelId']);
    expect(workspace['user-changed-device']).toEqual(['userId']);
    expect(workspace['user-joined']).toEqual(['workspaceId']);
    expect(workspace['channel-updated']).toEqual(['channelId']);
    expect(workspace['conversation-broadcast']).toEqual(['channelId']);
    expect(workspace['me-updated']).toEqual(['userId']);
  });

  it('knows the direction and consts of each message', () => {
    const update = catalogues.games.messages.update;
    expect(update.direction).toBe('send');
    expect(update.consts).toEqual({ '/stream': 'games', '/payload/action': 'update', '/payload/model': 'api.game' });
    expect(catalogues.workspace.messages.auth.direction).toBe('receive');
    expect(catalogues.workspace.messages['auth-success'].direction).toBe('send');
  });

  it('names the Kafka topic of each API', () => {
    for (const api of ['games', 'messenger', 'pizza', 'workspace', 'events'] as const) {
      expect(catalogues[api].topic).toBe(`switchyard.${api}`);
    }
    expect(catalogues.gateway.topic).toBeNull();
  });

  it('lists the APIs on the bus (every API with a Kafka topic) and the audience keys of each', () => {
    expect(API_NAMES).toEqual(['events', 'games', 'messenger', 'pizza', 'workspace']);
    expect(catalogues.pizza.audiences).toEqual(['store_id']);
    expect([...catalogues.workspace.audiences].sort()).toEqual(['channelId', 'userId', 'workspaceId']);
    expect(catalogues.gateway.audiences).toEqual([]);
  });

  it('types validators as guards of the generated models (checked by the compiler)', () => {
    const frame: unknown = JSON.parse('{"event_name":"ACCEPT_PIZZA","data":["9b2f4a40-5c1e-4f7a-9a55-2a0c1c3f2b11"]}');
    const accept = catalogues.pizza.messages.ACCEPT_PIZZA;
    // Compiles only because validate narrows `frame` to AcceptPizzaEvent.
    expect(accept.validate(frame) && frame.data.length).toBe(1);
  });

  it('validates published data separately from the frame', () => {
    const create = catalogues.pizza.messages.CREATE_PIZZA.publish!;
    expect(create.dataPointer).toBe('/data');
    expect(create.validateData({ uuid: 'x' })).toBe(false);
    const event = catalogues.events.messages.event.publish!;
    expect(event.dataPointer).toBeNull();
    expect(event.validateData({ type: 'MOVE', from: 'turngame/v1', data: { a: 1 } })).toBe(true);
    expect(event.validateData({ type: 'MOVE', from: 'turngame/v1', data: [1] })).toBe(true);
    expect(event.validateData({ type: 'MOVE', from: 'turngame/v1', data: null })).toBe(false);
    expect(event.validateData({ type: 'MOVE', from: 'turngame/v1', data: 'text' })).toBe(false);
  });

  it('lists every REST operation with request and response validators', () => {
    const ops = Object.fromEntries(
      Object.entries(catalogues).map(([api, c]) => [api, Object.values(c.operations).map((o) => `${o.method} ${o.path}`).sort()]),
    );
    expect(ops.events).toEqual(['GET /events/v1/about', 'GET /events/v1/events', 'GET /events/v1/latest', 'GET /events/v1/ping/{token}', 'POST /events/v1/events']);
    expect(ops.messenger).toEqual(['POST /events/callback/start', 'POST /events/polling']);
    expect(ops.pizza).toEqual(['GET /api/v1/ws/ticket']);
    expect(ops.gateway).toEqual(['GET /healthz', 'GET /metrics', 'GET /readyz', 'POST /publish/v1/{api}', 'POST /publish/v1/{api}/batch']);
    const start = Object.values(catalogues.messenger.operations).find((o) => o.path === '/events/callback/start')!;
    expect(Object.keys(start.body).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
  });

  it('coerces query strings in query validators', () => {
    const get = Object.values(catalogues.events.operations).find((o) => o.method === 'GET' && o.path === '/events/v1/events')!;
    const query: Record<string, unknown> = { clientId: 'c', channel: 'ch', secret: 's', after: '5', limit: '10' };
    expect(get.query!(query)).toBe(true);
    expect(query.after).toBe(5);
    expect(get.query!({ channel: 'ch', secret: 's' })).toBe(false);
  });
});

describe('forwarded requests (x-switchyard forward)', () => {
  it('marks the games requests the back-end answers, with the reply its answer must match', () => {
    const forwarded = (api: keyof typeof catalogues) =>
      Object.values(catalogues[api].messages).filter((m) => m.forward).map((m) => [m.consts['/payload/action'] ?? m.name, m.forward]);
    expect(forwarded('games')).toEqual([
      ['next_question', { backend: 'games', snapshot: '/payload/pk', reply: 'nextQuestionReply' }],
      ['answer', { backend: 'games', snapshot: '/payload/pk', reply: 'answerReply' }],
      ['check', { backend: 'games', snapshot: '/payload/pk', reply: 'checkReply' }],
    ]);
    for (const api of ['messenger', 'pizza', 'workspace', 'events'] as const) expect(forwarded(api)).toEqual([]);
  });

  describe('the generator refuses a malformed rule', () => {
    // A minimal AsyncAPI document: one request with its reply, the request carrying `rule`.
    const spec = (rule: unknown, withReply = true): Spec => ({
      file: 'quiz.asyncapi.yaml', path: '/nowhere/quiz.asyncapi.yaml', api: 'quiz', kind: 'asyncapi',
      raw: {
        asyncapi: '3.0.0',
        servers: { gw: { host: 'localhost', protocol: 'ws' } },
        channels: { c: { address: '/', messages: { req: { $ref: '#/components/messages/req' }, rep: { $ref: '#/components/messages/rep' } } } },
        operations: {
          ask: {
            action: 'receive', channel: { $ref: '#/channels/c' }, messages: [{ $ref: '#/channels/c/messages/req' }],
            ...(withReply ? { reply: { channel: { $ref: '#/channels/c' }, messages: [{ $ref: '#/channels/c/messages/rep' }] } } : {}),
          },
          ...(withReply ? {} : { answer: { action: 'send', channel: { $ref: '#/channels/c' }, messages: [{ $ref: '#/channels/c/messages/rep' }] } }),
        },
        components: {
          messages: {
            req: { payload: { $ref: '#/components/schemas/Req' }, 'x-switchyard': rule },
            rep: { payload: { $ref: '#/components/schemas/Rep' } },
          },
          schemas: { Req: { type: 'object' }, Rep: { type: 'object' } },
        },
      },
    });

    it('accepts forward and snapshot, and finds the reply in the operation', () => {
      const model = buildApiModel('quiz', [spec({ forward: 'quiz-engine', snapshot: '/pk' })]);
      expect(model.errors).toEqual([]);
      expect(model.messages.find((m) => m.id === 'req')!.forward).toEqual({ backend: 'quiz-engine', snapshot: '/pk', reply: 'rep' });
    });

    it.each([
      [{ forward: 'Quiz Engine' }, 'forward must name a back-end'],
      [{ forward: 'quiz', snapshot: 'pk' }, 'snapshot must be a JSON pointer'],
      [{ forward: 'quiz', audience: ['pk'] }, 'takes only forward and snapshot'],
    ])('%j: %s', (rule, message) => {
      expect(buildApiModel('quiz', [spec(rule)]).errors).toEqual([expect.stringContaining(message)]);
    });

    it('needs an operation reply naming the success reply', () => {
      expect(buildApiModel('quiz', [spec({ forward: 'quiz' }, false)]).errors).toEqual([expect.stringContaining('needs an operation whose reply')]);
    });
  });
});
