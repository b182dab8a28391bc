// /docs/<api>[/rest]: renders the document named by #doc's data-spec with the vendored renderer
// loaded before this script (the AsyncAPI standalone component, or Redoc).
interface AsyncApiStandalone {
  render(props: { schema: string; config: Record<string, unknown> }, element: HTMLElement): void;
}
interface Redoc {
  init(specOrUrl: string | object, options: Record<string, unknown>, element: HTMLElement, callback?: (err?: unknown) => void): void;
}
declare const AsyncApiStandalone: AsyncApiStandalone;
declare const Redoc: Redoc;

async function main(): Promise<void> {
  const element = document.getElementById('doc');
  if (!element) return;
  const spec = element.dataset.spec ?? '';
  if (element.dataset.kind === 'asyncapi') {
    // The document as parsed at build time (web/asyncapi-docs.ts): the component only renders it.
    const parsed = element.dataset.parsed ?? '';
    const response = await fetch(parsed);
    if (!response.ok) throw new Error(`${parsed}: ${response.status}`);
    const text = await response.text();
    element.replaceChildren();
    AsyncApiStandalone.render(
      { schema: text, config: { show: { sidebar: true, errors: true }, sidebar: { showOperations: 'byDefault' } } },
      element,
    );
    element.dataset.rendered = 'true';
  } else {
    element.replaceChildren();
    const header = document.querySelector('header');
    Redoc.init(spec, { scrollYOffset: header ? header.getBoundingClientRect().height : 0, hideDownloadButton: false, expandResponses: '200,202' }, element, () => {
      element.dataset.rendered = 'true';
    });
  }
}

void main();
