// The spec lint as `npm run generate` runs it: every mistake of every file, `specs/<file>: <path>: <message>`.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lintSpecs } from '../scripts/codegen/lint';
import { runGenerate, tempProject } from './helpers/run-generate';
import { apiSpecs, nodeAt } from './helpers/specs';

const ALL = ['events', 'games', 'gateway', 'messenger', 'pizza', 'workspace'];

describe('lintSpecs', () => {
  it('accepts the real specs', () => {
    expect(lintSpecs(ALL.flatMap((api) => apiSpecs(api)))).toEqual([]);
  });

  it('reports a `data` pointer outside the payload', () => {
    const specs = apiSpecs('pizza', (raw, file) => {
      if (file === 'pizza.asyncapi.yaml') nodeAt(raw, '/components/messages/CREATE_PIZZA/x-switchyard').data = '/dat';
    });
    expect(lintSpecs(specs)).toEqual([
      'pizza.asyncapi.yaml: /components/messages/CREATE_PIZZA/x-switchyard: data pointer "/dat" does not name a property of the payload schema',
    ]);
  });

  it('reports a message no operation uses', () => {
    const specs = apiSpecs('pizza', (raw, file) => {
      if (file !== 'pizza.asyncapi.yaml') return;
      const operations = nodeAt(raw, '/operations');
      delete operations.sendAcceptPizza;
    });
    expect(lintSpecs(specs)).toEqual(['pizza.asyncapi.yaml: /components/messages/ACCEPT_PIZZA: message is not used by any operation']);
  });

  it('reports every problem of every file, grouped by file', () => {
    const specs = [
      ...apiSpecs('pizza', (raw, file) => {
        if (file !== 'pizza.asyncapi.yaml') return;
        nodeAt(raw, '/components/schemas/Pizza/properties/size').tpye = 'integer';
        nodeAt(raw, '/components/messages/CREATE_PIZZA/x-switchyard').audience = ['store'];
      }),
      ...apiSpecs('events', (raw, file) => {
        if (file === 'events.openapi.yaml') nodeAt(raw, '/components/schemas/StoredEvents').additionalProprties = false;
      }),
    ];
    const problems = lintSpecs(specs);
    expect(problems.map((p) => p.slice(0, p.indexOf(':')))).toEqual(['events.openapi.yaml', 'pizza.asyncapi.yaml', 'pizza.asyncapi.yaml']);
    expect(problems.join('\n')).toMatch(/additionalProprties[^]*tpye[^]*audience key "store"/);
  });
});

describe('npm run generate with spec mistakes', () => {
  it('prints `specs/<file>: <path>: <message>` for each, exits 1 and writes nothing', () => {
    const project = tempProject();
    try {
      const pizza = join(project.specs, 'pizza.asyncapi.yaml');
      writeFileSync(pizza, readFileSync(pizza, 'utf8')
        .replace('size: { type: integer, description: Size of pizza }', 'size: { tpye: integer, description: Size of pizza }')
        .replace('      x-switchyard:\n        audience: [store_id]\n        data: /data\n      examples:\n        - name: two-pizzas',
          '      x-switchyrd:\n        audience: [store_id]\n        data: /data\n      examples:\n        - name: two-pizzas'));
      const events = join(project.specs, 'events.openapi.yaml');
      writeFileSync(events, readFileSync(events, 'utf8').replace(
        'schema: { type: integer, minimum: 1, maximum: 100, default: 100 }',
        'schema: { type: integer, minimum: 1, maximum: 100, defualt: 100 }',
      ));
      const before = readFileSync(join(project.generated, 'pizza', 'catalogue.ts'), 'utf8');

      const r = runGenerate(['--specs', 'specs', '--out', 'fresh-out'], project.dir);
      expect(r.status).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toEqual([
        'specs/events.openapi.yaml: /paths/~1events~1v1~1events/get/parameters/4/schema/defualt: unknown JSON Schema keyword "defualt"',
        'specs/pizza.asyncapi.yaml: /components/schemas/Pizza/properties/size/tpye: unknown JSON Schema keyword "tpye"',
        'specs/pizza.asyncapi.yaml: /components/messages/ACCEPT_PIZZA/x-switchyrd: unknown extension "x-switchyrd": did you mean "x-switchyard"?',
        'generate: 3 problem(s) in specs; nothing written',
      ]);
      expect(existsSync(join(project.dir, 'fresh-out'))).toBe(false);
      expect(readFileSync(join(project.generated, 'pizza', 'catalogue.ts'), 'utf8')).toBe(before);
    } finally {
      project.cleanup();
    }
  });
});
