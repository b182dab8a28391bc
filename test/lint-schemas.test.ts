// The spec lint's schema rule: unknown JSON Schema keywords anywhere in a spec's schemas.
import { lintSchemas } from '../scripts/codegen/lint-schemas';
import { apiSpecs, nodeAt } from './helpers/specs';

const lint = (api: string, file: string, edit: (raw: Record<string, unknown>) => void) =>
  apiSpecs(api, (raw, f) => f === file && edit(raw)).flatMap(lintSchemas);

describe('lintSchemas', () => {
  it('accepts every real spec', () => {
    for (const api of ['events', 'games', 'gateway', 'messenger', 'pizza', 'workspace']) {
      expect(apiSpecs(api).flatMap(lintSchemas)).toEqual([]);
    }
  });

  it('names a misspelt keyword in an AsyncAPI component schema by its path', () => {
    const problems = lint('pizza', 'pizza.asyncapi.yaml', (raw) => {
      const size = nodeAt(raw, '/components/schemas/Pizza/properties/size');
      delete size.type;
      size.tpye = 'integer';
    });
    expect(problems).toEqual(['pizza.asyncapi.yaml: /components/schemas/Pizza/properties/size/tpye: unknown JSON Schema keyword "tpye"']);
  });

  it('names a misspelt keyword in an OpenAPI file: component schemas and inline parameter schemas', () => {
    const problems = lint('events', 'events.openapi.yaml', (raw) => {
      nodeAt(raw, '/components/schemas/StoredEvents').additionalProprties = false;
      nodeAt(raw, '/paths/~1events~1v1~1events/get/parameters/4/schema').maximun = 5;
    });
    expect(problems).toEqual([
      'events.openapi.yaml: /components/schemas/StoredEvents/additionalProprties: unknown JSON Schema keyword "additionalProprties"',
      'events.openapi.yaml: /paths/~1events~1v1~1events/get/parameters/4/schema/maximun: unknown JSON Schema keyword "maximun"',
    ]);
  });

  it('looks inside nested schemas, inline message payloads and schema-valued bindings', () => {
    const problems = lint('pizza', 'pizza.asyncapi.yaml', (raw) => {
      nodeAt(raw, '/components/schemas/AcceptPizzaEvent').allOf = [{ properties: { a: { items: { formt: 'uuid' } } } }];
      nodeAt(raw, '/channels/notifications/bindings/ws/query').requird = ['key'];
      nodeAt(raw, '/components/messages/ACCEPT_PIZZA').headers = { type: 'object', propertys: {} };
    });
    expect(problems.sort()).toEqual([
      'pizza.asyncapi.yaml: /channels/notifications/bindings/ws/query/requird: unknown JSON Schema keyword "requird"',
      'pizza.asyncapi.yaml: /components/messages/ACCEPT_PIZZA/headers/propertys: unknown JSON Schema keyword "propertys"',
      'pizza.asyncapi.yaml: /components/schemas/AcceptPizzaEvent/allOf/0/properties/a/items/formt: unknown JSON Schema keyword "formt"',
    ]);
  });

  it('accepts the OpenAPI/AsyncAPI schema additions, extensions, $ref siblings and keyword-like data', () => {
    const problems = lint('events', 'events.openapi.yaml', (raw) => {
      Object.assign(nodeAt(raw, '/components/schemas/StoredEvents'), {
        example: [{ tpye: 1 }],
        examples: [[{ tpye: 1 }]],
        'x-anything': { tpye: 1 },
        discriminator: { propertyName: 'type' },
        xml: { name: 'events' },
        externalDocs: { url: 'https://example.com' },
        deprecated: true,
        readOnly: true,
        writeOnly: false,
        $comment: 'fine',
        default: [{ tpye: 1 }],
        // A property named like a keyword is a name; enum and const values are data.
        properties: { tpye: { type: 'string', enum: [{ additionalProprties: 1 }] }, items: { const: { tpye: 2 } } },
      });
      nodeAt(raw, '/paths/~1events~1v1~1events/get/responses/200/content/application~1json/schema').description = 'a $ref sibling';
    });
    expect(problems).toEqual([]);
  });

  it('reports a keyword with an impossible value once', () => {
    const problems = lint('pizza', 'pizza.asyncapi.yaml', (raw) => {
      nodeAt(raw, '/components/schemas/Pizza/properties/size').type = 'integr';
    });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^pizza\.asyncapi\.yaml: \/components\/schemas\/Pizza\/properties\/size\/type: invalid schema: .*integer/);
  });
});
