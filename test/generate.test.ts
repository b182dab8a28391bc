// `npm run generate`: diagnostics for broken specs, the freshness check, deterministic output.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runGenerate, tempProject } from './helpers/run-generate';

const fixture = (name: string) => join(ROOT, 'test', 'fixtures', name);

describe('broken specs make generate fail with file and path', () => {
  it('an invalid AsyncAPI document: exit 1, `file: path: message`', () => {
    const r = runGenerate(['--specs', fixture('broken-spec'), '--out', join(ROOT, '.tmp', 'never-written')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^test\/fixtures\/broken-spec\/broken\.asyncapi\.yaml: \/operations\/sendThing\/action: .*send.*receive/m);
    expect(r.stderr).toContain('nothing written');
  });

  it('an invalid OpenAPI document names the operation', () => {
    const r = runGenerate(['--specs', fixture('broken-openapi'), '--out', join(ROOT, '.tmp', 'never-written')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^test\/fixtures\/broken-openapi\/broken\.openapi\.yaml: \/paths\/things\/\{id\}\/get: .*path parameter/m);
  });

  it('an example that contradicts its schema names the example', () => {
    const r = runGenerate(['--specs', fixture('bad-example'), '--out', join(ROOT, '.tmp', 'never-written')]);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(
      'test/fixtures/bad-example/bad.asyncapi.yaml: /components/messages/thing/examples/0: example does not match its schema: /id must be integer',
    );
  });
});

describe('generate --check', () => {
  // generated/ was written by an earlier run, so this also proves the output is deterministic.
  it('passes on the committed generated/', () => {
    const r = runGenerate(['--check']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails naming the stale files after a spec edit without regeneration', () => {
    const project = tempProject();
    try {
      const args = ['--check', '--specs', project.specs, '--out', project.generated];
      expect(runGenerate(args).status).toBe(0);

      const spec = join(project.specs, 'pizza.asyncapi.yaml');
      writeFileSync(spec, readFileSync(spec, 'utf8').replace(
        '        size: { type: integer, description: Size of pizza }',
        '        size: { type: integer, description: Size of pizza }\n        crust: { type: string, description: Crust style }',
      ));
      const r = runGenerate(args);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`stale: ${join(project.generated, 'pizza', 'models.ts')}`);
      expect(r.stderr).toContain(`stale: ${join(project.generated, 'pizza', 'validators.js')}`);
      expect(r.stderr).not.toContain('games');
    } finally {
      project.cleanup();
    }
  });

  it('fails on a file in generated/ that generate would not write', () => {
    const project = tempProject();
    try {
      writeFileSync(join(project.generated, 'hand-written.ts'), 'export const x = 1;\n');
      const r = runGenerate(['--check', '--specs', project.specs, '--out', project.generated]);
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('hand-written.ts');
    } finally {
      project.cleanup();
    }
  });
});

describe('generated output', () => {
  it('has clean model names: no anonymous or renamed reserved words', () => {
    for (const api of ['games', 'messenger', 'pizza', 'workspace', 'events']) {
      const models = readFileSync(join(ROOT, 'generated', api, 'models.ts'), 'utf8');
      expect(models).not.toMatch(/Anonymous|Reserved|reserved_/i);
      expect(models).toMatch(/^export (interface|type) /m);
    }
    expect(readFileSync(join(ROOT, 'generated', 'games', 'models.ts'), 'utf8')).toMatch(/export interface GameSnapshot \{/);
    expect(readFileSync(join(ROOT, 'generated', 'pizza', 'models.ts'), 'utf8')).toContain("'name': string;");
  });

  it('writes models, OpenAPI types, validators and a catalogue per API', () => {
    const dirs = readdirSync(join(ROOT, 'generated'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);
    expect(dirs.sort()).toEqual(['events', 'games', 'gateway', 'messenger', 'pizza', 'workspace']);
    for (const dir of dirs) {
      const files = readdirSync(join(ROOT, 'generated', dir));
      expect(files).toEqual(expect.arrayContaining(['catalogue.ts', 'validators.js', 'validators.d.ts']));
    }
    for (const api of ['events', 'gateway', 'messenger', 'pizza']) {
      expect(readdirSync(join(ROOT, 'generated', api))).toContain('openapi.ts');
    }
  });
});
