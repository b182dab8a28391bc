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
  const response = await fetch(spec);
  if (!response.ok) throw new Error(`${spec}: ${response.status}`);
  const text = await response.text();
  element.replaceChildren();
  if (element.dataset.kind === 'asyncapi') {
    AsyncApiStandalone.render(
      { schema: text, config: { show: { sidebar: true, errors: true }, sidebar: { showOperations: 'byDefault' } } },
      element,
    );
    element.dataset.rendered = 'true';
  } else {
    const header = document.querySelector('header');
    Redoc.init(spec, { scrollYOffset: header ? header.getBoundingClientRect().height : 0, hideDownloadButton: false, expandResponses: '200,202' }, element, () => {
      element.dataset.rendered = 'true';
    });
  }
}

void main();
