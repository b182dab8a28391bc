// The spec lint's x-switchyard rules: the extension spelt right, only known keys, routable audiences.
import { buildApiModel } from '../scripts/codegen/catalogue';
import { lintAudiences, lintSwitchyardKeys } from '../scripts/codegen/lint-switchyard';
import type { Spec } from '../scripts/codegen/specs';
import { SWITCHYARD_KEYS } from '../scripts/codegen/switchyard-keys';
import { apiSpecs, nodeAt } from './helpers/specs';

const APIS = ['events', 'games', 'gateway', 'messenger', 'pizza', 'workspace'];
const lintKeys = (specs: Spec[]) => specs.flatMap(lintSwitchyardKeys);
const lintRoutes = (specs: Spec[]) => specs.flatMap((s) => lintAudiences(s, buildApiModel(s.api, specs)));
const edited = (api: string, edit: (raw: Record<string, unknown>) => void) => apiSpecs(api, (raw, f) => f.includes('.asyncapi.') && edit(raw));

describe('lintSwitchyardKeys', () => {
  it('accepts every real spec', () => {
    for (const api of APIS) expect(lintKeys(apiSpecs(api))).toEqual([]);
  });

  it('names an x- key a couple of edits from x-switchyard, wherever it sits', () => {
    const problems = lintKeys(edited('pizza', (raw) => {
      const message = nodeAt(raw, '/components/messages/CREATE_PIZZA');
      message['x-switchyrd'] = message['x-switchyard'];
      delete message['x-switchyard'];
      nodeAt(raw, '/components/schemas/Pizza')['X-Switchyard'] = {};
      nodeAt(raw, '/components/schemas/Pizza')['x-compat'] = ['a different extension: fine'];
    }));
    expect(problems).toEqual([
      'pizza.asyncapi.yaml: /components/messages/CREATE_PIZZA/x-switchyrd: unknown extension "x-switchyrd": did you mean "x-switchyard"?',
      'pizza.asyncapi.yaml: /components/schemas/Pizza/X-Switchyard: unknown extension "X-Switchyard": did you mean "x-switchyard"?',
    ]);
  });

  it('names unknown keys inside x-switchyard', () => {
    const problems = lintKeys(edited('pizza', (raw) => {
      const rule = nodeAt(raw, '/components/messages/CREATE_PIZZA/x-switchyard');
      rule.audiance = rule.audience;
      delete rule.audience;
      rule.priority = 1;
    }));
    const known = SWITCHYARD_KEYS.message.join(', ');
    expect(problems).toEqual([
      `pizza.asyncapi.yaml: /components/messages/CREATE_PIZZA/x-switchyard/audiance: unknown x-switchyard key "audiance": did you mean "audience"? (known on a message: ${known})`,
      `pizza.asyncapi.yaml: /components/messages/CREATE_PIZZA/x-switchyard/priority: unknown x-switchyard key "priority" (known on a message: ${known})`,
    ]);
  });

  it('rejects x-switchyard where nothing reads it', () => {
    const problems = lintKeys(edited('pizza', (raw) => {
      nodeAt(raw, '/components/schemas/Pizza')['x-switchyard'] = { audience: ['store_id'] };
    }));
    expect(problems).toEqual([
      'pizza.asyncapi.yaml: /components/schemas/Pizza/x-switchyard: x-switchyard is not read here (only on: message, channel)',
    ]);
  });
});

describe('lintAudiences', () => {
  it('accepts every real spec (workspace routes by any key of its envelope `to` oneOf)', () => {
    for (const api of APIS) expect(lintRoutes(apiSpecs(api))).toEqual([]);
  });

  it('names an audience key that the Kafka envelope `to` does not carry', () => {
    const problems = lintRoutes(edited('pizza', (raw) => {
      nodeAt(raw, '/components/messages/ACCEPT_PIZZA/x-switchyard').audience = ['store_id', 'user_id'];
    }));
    expect(problems).toEqual([
      'pizza.asyncapi.yaml: /components/messages/ACCEPT_PIZZA/x-switchyard/audience/1: audience key "user_id" cannot be routed: ' +
        'the API routes by store_id (the properties of `to` in its Kafka envelope)',
    ]);
  });

  it('follows $ref and oneOf in `to`: a key of another API is not routable', () => {
    const problems = lintRoutes(edited('workspace', (raw) => {
      nodeAt(raw, '/components/messages/user-joined/x-switchyard').audience = ['store_id'];
    }));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('audience key "store_id" cannot be routed: the API routes by workspaceId, channelId, userId');
  });

  it('says so when the API has no Kafka envelope at all', () => {
    const problems = lintRoutes(edited('pizza', (raw) => {
      nodeAt(raw, '/servers/kafka').protocol = 'amqp';
    }));
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain('audience key "store_id" cannot be routed: the API has no Kafka channel whose envelope names `to` keys');
  });
});
