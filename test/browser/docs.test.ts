// /docs in a real browser: every document renders with no console error and nothing fetched from
// elsewhere, shows every message and operation of its spec, and the load is measured.
import { catalogues } from '../../generated';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { describeWithBrowser, loadMeasured, watchedPage, type PageWeight } from './browser';
import { screenshotPath, recordWeights } from './output';

const ASYNCAPI = ['events', 'games', 'messenger', 'pizza', 'workspace'] as const;
const OPENAPI = ['events', 'gateway', 'messenger', 'pizza'] as const;

describeWithBrowser('/docs in chromium', (browser) => {
  let gw: TestGateway;
  const weights: Record<string, PageWeight> = {};
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.stop();
    recordWeights('docs', weights);
  });

  it('the index links every document', async () => {
    const { page, problems } = await watchedPage(browser());
    weights['/docs'] = await loadMeasured(page, `${gw.url}/docs`, 'ul.sy-apis');
    const links = await page.$$eval('ul.sy-apis a', (as) => as.map((a) => a.getAttribute('href')));
    for (const api of ASYNCAPI) expect(links).toContain(`/docs/${api}`);
    for (const api of OPENAPI) expect(links).toContain(`/docs/${api}/rest`);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it.each(ASYNCAPI)('/docs/%s renders its AsyncAPI document with every message', async (api) => {
    const { page, problems } = await watchedPage(browser());
    weights[`/docs/${api}`] = await loadMeasured(page, `${gw.url}/docs/${api}`, '#doc[data-rendered=true] #introduction');
    const text = await page.locator('#doc').innerText();
    for (const message of Object.values(catalogues[api].messages)) expect(text).toContain(`Message ID${message.id}`);
    expect(problems).toEqual([]);
    if (api === 'pizza') await page.screenshot({ path: screenshotPath('docs-asyncapi.png') });
    await page.context().close();
  });

  it.each(OPENAPI)('/docs/%s/rest renders its OpenAPI document with every operation', async (api) => {
    const { page, problems } = await watchedPage(browser());
    weights[`/docs/${api}/rest`] = await loadMeasured(page, `${gw.url}/docs/${api}/rest`, '#doc[data-rendered=true] .api-content');
    const text = await page.locator('#doc').innerText();
    for (const op of Object.values(catalogues[api].operations)) expect(text).toContain(op.path);
    expect(problems).toEqual([]);
    if (api === 'gateway') await page.screenshot({ path: screenshotPath('docs-openapi.png') });
    await page.context().close();
  });
});
