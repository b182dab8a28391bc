// /console in a real browser: it loads clean; a pizza socket opened in one tab receives the event
// published from the form in another, marked valid; an invalid submission shows the gateway's 422
// errors at their fields; a games socket's subscribe gets its reply; the counters see the socket.
import { startGateway, type TestGateway } from '../helpers/gateway';
import { describeWithBrowser, loadMeasured, watchedPage, type PageWeight } from './browser';
import { recordWeights, screenshotPath } from './output';

describeWithBrowser('/console in chromium', (browser) => {
  let gw: TestGateway;
  const weights: Record<string, PageWeight> = {};
  beforeAll(async () => {
    gw = await startGateway();
  });
  afterAll(async () => {
    await gw.stop();
    recordWeights('console', weights);
  });

  it('loads with a tab per API and the connections overview, and no console error', async () => {
    const { page, problems } = await watchedPage(browser());
    weights['/console'] = await loadMeasured(page, `${gw.url}/console`, '#console[data-ready=true]');
    const tabs = await page.$$eval('.sy-tabs a', (as) => as.map((a) => a.textContent));
    expect(tabs).toEqual(['games', 'messenger', 'pizza', 'workspace', 'events', 'connections']);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a pizza socket in one tab receives the event published from the form in another', async () => {
    const listener = await watchedPage(browser());
    const publisher = await watchedPage(browser());
    try {
      await listener.page.goto(`${gw.url}/console#pizza`);
      await listener.page.waitForSelector('#console[data-ready=true]');
      await listener.page.fill('#panel-pizza input[name=store_id]', '7');
      await listener.page.click('#panel-pizza .sy-connect');
      await listener.page.waitForSelector('#panel-pizza .sy-status[data-state=open]');

      await publisher.page.goto(`${gw.url}/console#pizza`);
      await publisher.page.waitForSelector('#panel-pizza form[data-ready=true]');
      // Prefilled from the spec's example; only the audience is ours.
      expect(await publisher.page.inputValue('#panel-pizza input[name=name]')).toBe('Margherita');
      await publisher.page.fill('#panel-pizza input[name=audience-value]', '7');
      await publisher.page.click('#panel-pizza form button[type=submit]');
      await publisher.page.waitForSelector('#panel-pizza .sy-result[data-status="202"]');

      const frame = listener.page.locator('#panel-pizza .sy-frame[data-direction=in]');
      await frame.waitFor();
      expect(await frame.getAttribute('data-message')).toBe('CREATE_PIZZA');
      expect(await frame.getAttribute('data-valid')).toBe('true');
      expect(await frame.locator('code').textContent()).toContain('"name":"Margherita"');
      await listener.page.screenshot({ path: screenshotPath('console-pizza-socket.png') });

      // The overview counts the listener's socket.
      await listener.page.goto(`${gw.url}/console#connections`);
      await listener.page.waitForSelector('.sy-connections tr[data-api=pizza] td');
      expect(listener.problems).toEqual([]);
      expect(publisher.problems).toEqual([]);
    } finally {
      await listener.page.context().close();
      await publisher.page.context().close();
    }
  });

  it('shows the 422 errors of an invalid submission next to their fields', async () => {
    const { page, problems } = await watchedPage(browser(), { width: 1280, height: 1200 });
    await page.goto(`${gw.url}/console#pizza`);
    await page.waitForSelector('#panel-pizza form[data-ready=true]');
    await page.fill('#panel-pizza input[name=size]', 'large');
    await page.fill('#panel-pizza input[name=name]', '');
    await page.click('#panel-pizza form button[type=submit]');
    await page.waitForSelector('#panel-pizza .sy-result[data-status="422"]');
    expect(await page.textContent('#panel-pizza .sy-field-error[data-field=size]')).toBe('/data/size: must be integer');
    expect(await page.textContent('#panel-pizza .sy-field-error[data-field=name]')).toBe('/data: missing required property "name"');
    await page.screenshot({ path: screenshotPath('console-422.png') });
    // The browser reports the 422 answer itself; nothing else may go wrong.
    expect(problems).toEqual([expect.stringMatching(/^console error: Failed to load resource: .* 422/)]);
    await page.context().close();
  });

  it('a games socket sends the spec example of subscribe and logs the validated reply', async () => {
    const { page, problems } = await watchedPage(browser());
    await page.goto(`${gw.url}/console#games`);
    await page.waitForSelector('#console[data-ready=true]');
    await page.click('#panel-games .sy-connect');
    await page.waitForSelector('#panel-games .sy-status[data-state=open]');
    await page.selectOption('#panel-games select[name=preset]', 'subscribe-request');
    await page.click('#panel-games .sy-send button');
    const reply = page.locator('#panel-games .sy-frame[data-direction=in]').first();
    await reply.waitFor();
    expect(await reply.getAttribute('data-message')).toBe('subscribeReply');
    expect(await reply.getAttribute('data-valid')).toBe('true');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
