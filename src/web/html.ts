// The pages' HTML shell: one header with the links between pages, the shared stylesheet, and the
// page's own assets. No inline script: each page's code is an asset that reads data-* attributes.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export interface Page {
  title: string;
  /** Links in the header: [label, href], the current page's href marked. */
  nav: ReadonlyArray<readonly [string, string]>;
  current: string;
  styles: readonly string[];
  scripts: readonly string[];
  /** Trusted HTML (built with escapeHtml). */
  body: string;
}

export function renderPage(page: Page): string {
  const links = page.nav
    .map(([label, href]) => `<a href="${escapeHtml(href)}"${href === page.current ? ' aria-current="page"' : ''}>${escapeHtml(label)}</a>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(page.title)} · Switchyard</title>
<link rel="icon" href="data:,">
${page.styles.map((href) => `<link rel="stylesheet" href="${escapeHtml(href)}">`).join('\n')}
</head>
<body>
<header class="sy-header"><strong>Switchyard</strong><nav>${links}</nav></header>
${page.body}
${page.scripts.map((src) => `<script src="${escapeHtml(src)}"></script>`).join('\n')}
</body>
</html>
`;
}
