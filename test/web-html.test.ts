// The pages' HTML shell and the spec file listing behind /docs and /specs.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeHtml, renderPage } from '../src/web/html';
import { readSpecFiles } from '../src/web/spec-files';

describe('renderPage', () => {
  it('escapes what it is given and marks the current link', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    const html = renderPage({
      title: 'a <b>',
      nav: [['Docs', '/docs'], ['pizza', '/docs/pizza']],
      current: '/docs/pizza',
      styles: ['/assets/web.css?v=1'],
      scripts: ['/assets/docs.js?v=2'],
      body: '<main></main>',
    });
    expect(html).toContain('<title>a &lt;b&gt; · Switchyard</title>');
    expect(html).toContain('<a href="/docs/pizza" aria-current="page">pizza</a>');
    expect(html).toContain('<a href="/docs">Docs</a>');
    expect(html).toContain('<link rel="stylesheet" href="/assets/web.css?v=1">');
    expect(html).toContain('<script src="/assets/docs.js?v=2"></script>');
    expect(html).not.toMatch(/<script>/); // no inline script
  });
});

describe('readSpecFiles', () => {
  it('pairs each API with its AsyncAPI and OpenAPI files and ignores anything else', () => {
    const dir = mkdtempSync(join(tmpdir(), 'specs-'));
    for (const name of ['b.asyncapi.yaml', 'a.openapi.yaml', 'b.openapi.yaml', 'README.md', 'x.yaml']) writeFileSync(join(dir, name), name);
    const specs = readSpecFiles(dir);
    expect(specs.apis).toEqual([{ api: 'a', openapi: 'a.openapi.yaml' }, { api: 'b', asyncapi: 'b.asyncapi.yaml', openapi: 'b.openapi.yaml' }]);
    expect([...specs.files.keys()]).toEqual(['a.openapi.yaml', 'b.asyncapi.yaml', 'b.openapi.yaml']);
    expect(specs.files.get('b.asyncapi.yaml')!.toString()).toBe('b.asyncapi.yaml');
  });
});
