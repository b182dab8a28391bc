// /console in a real browser: it loads clean; a pizza socket opened in one tab receives the event
// published from the form in another, marked valid; an invalid submission shows the gateway's 422
// errors at their fields; a games socket's subscribe gets its reply; the counters see the socket.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { startGateway } from '../helpers/gateway';
import { describeWithBrowser, watchedPage } from './browser';
import { screenshotPath } from './output';

describeWithBrowser('/console in chromium', 'console', ({ browser, url, measure }) => {

  it('loads with a tab per API and the connections overview, and no console error', async () => {
    const { page, problems } = await watchedPage(browser());
    await measure(page, '/console', '#console[data-ready=true]');
    const tabs = await page.$$eval('.sy-tabs a', (as) => as.map((a) => a.textContent));
    expect(tabs).toEqual(['events', 'games', 'messenger', 'pizza', 'workspace', 'connections']);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('a pizza socket in one tab receives the event published from the form in another', async () => {
    const listener = await watchedPage(browser());
    const publisher = await watchedPage(browser());
    try {
      await listener.page.goto(`${url()}/console#pizza`);
      await listener.page.waitForSelector('#console[data-ready=true]');
      await listener.page.fill('#panel-pizza input[name=store_id]', '7');
      await listener.page.click('#panel-pizza .sy-connect');
      await listener.page.waitForSelector('#panel-pizza .sy-status[data-state=open]');

      await publisher.page.goto(`${url()}/console#pizza`);
      await publisher.page.waitForSelector('#panel-pizza form[data-ready=true]');
      // Prefilled from the spec's example; only the audience is ours.
      expect(await publisher.page.inputValue('#panel-pizza input[name=name]')).toBe('Margherita');
      await publisher.page.fill('#panel-pizza input[name=audience-value]', '7');
      await publisher.page.click('#panel-pizza form button[type=submit]');
      await publisher.page.waitForSelector('#panel-pizza .sy-result[data-status="202"]');

      const frame = listener.page.locator('#panel-pizza .sy-frame[data-direction=in][data-valid]');
      await frame.waitFor();
      expect(await frame.getAttribute('data-message')).toBe('CREATE_PIZZA');
      expect(await frame.getAttribute('data-valid')).toBe('true');
      expect(await frame.locator('code').textContent()).toContain('"name":"Margherita"');
      await listener.page.screenshot({ path: screenshotPath('console-pizza-socket.png') });

      // The overview (another tab, so the listener's socket stays open) counts it, and its store.
      await publisher.page.goto(`${url()}/console#connections`);
      await publisher.page.waitForSelector('.sy-connections tr[data-api=pizza] td');
      expect(await publisher.page.textContent('.sy-audiences tr[data-audience="store:7"] .sy-count')).toBe('1');
      await publisher.page.screenshot({ path: screenshotPath('console-connections.png') });
      expect(listener.problems).toEqual([]);
      expect(publisher.problems).toEqual([]);
    } finally {
      await listener.page.context().close();
      await publisher.page.context().close();
    }
  });

  it('shows the 422 errors of an invalid submission next to their fields', async () => {
    const { page, problems } = await watchedPage(browser(), { width: 1280, height: 1200 });
    await page.goto(`${url()}/console#pizza`);
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
    await page.goto(`${url()}/console#games`);
    await page.waitForSelector('#console[data-ready=true]');
    await page.click('#panel-games .sy-connect');
    await page.waitForSelector('#panel-games .sy-status[data-state=open]');
    await page.selectOption('#panel-games select[name=preset]', 'subscribe-request');
    await page.click('#panel-games .sy-send button');
    const reply = page.locator('#panel-games .sy-frame[data-direction=in][data-valid]').first();
    await reply.waitFor();
    expect(await reply.getAttribute('data-message')).toBe('subscribeReply');
    expect(await reply.getAttribute('data-valid')).toBe('true');
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('the messenger callback inbox shows a delivery with its signed headers, body and verdict', async () => {
    const { page, problems } = await watchedPage(browser(), { width: 1280, height: 1100 });
    await page.goto(`${url()}/console#messenger`);
    await page.waitForSelector('#panel-messenger form[data-ready=true]');
    await page.fill('#panel-messenger input[name=sub]', '1');
    await page.click('#panel-messenger .sy-inbox-open');
    await page.waitForSelector('#panel-messenger .sy-inbox-status[data-state=open]');
    await page.selectOption('#panel-messenger select[name=message]', 'new_message');
    await page.fill('#panel-messenger input[name=audience-value]', '1');
    await page.click('#panel-messenger form button[type=submit]');
    await page.waitForSelector('#panel-messenger .sy-result[data-status="202"]');
    const delivery = page.locator('#panel-messenger .sy-delivery');
    await delivery.waitFor();
    expect(await delivery.getAttribute('data-message')).toBe('new_message');
    expect(await delivery.getAttribute('data-valid')).toBe('true');
    expect(await delivery.getAttribute('data-signature')).toBe('true');
    expect(await delivery.locator('.sy-headers').textContent()).toMatch(/webhook-signature: v1,/);
    expect(await delivery.locator('code').textContent()).toContain('"type":"new_message"');
    await page.screenshot({ path: screenshotPath('console-inbox.png') });
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('with JWKS (no token to mint) connects with a pasted token, as that token\'s user and store', async () => {
    const keys = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const jwks = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })));
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const gw = await startGateway({ AUTH_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` });
    const token = await new SignJWT({ sub: 'pasted-user', store_id: 9 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuedAt().setExpirationTime('10m').sign(keys.privateKey);
    const { page, problems } = await watchedPage(browser());
    try {
      await page.goto(`${gw.url}/console#pizza`);
      await page.waitForSelector('#console[data-ready=true]');
      // Nothing pasted yet: the client says what is missing instead of asking the gateway to mint.
      await page.click('#panel-pizza .sy-connect');
      expect(await page.textContent('#panel-pizza .sy-status[data-state=failed]')).toContain('paste a user token first');

      await page.fill('textarea[name=user-token]', token);
      await page.click('#panel-pizza .sy-connect');
      await page.waitForSelector('#panel-pizza .sy-status[data-state=open]');
      // The socket is the token's store's (9), whatever the store_id field says.
      await page.fill('#panel-pizza input[name=audience-value]', '9');
      await page.click('#panel-pizza form button[type=submit]');
      const frame = page.locator('#panel-pizza .sy-frame[data-direction=in][data-valid]');
      await frame.waitFor();
      expect(await frame.getAttribute('data-valid')).toBe('true');
      expect(problems).toEqual([]);
    } finally {
      await page.context().close();
      await gw.stop();
      jwks.closeAllConnections();
      await new Promise((resolve) => jwks.close(resolve));
    }
  });

  it('behind CONSOLE_TOKEN asks for the token once, then opens', async () => {
    const token = 'console-token-0123456789abcdefghijkl';
    const gw = await startGateway({ CONSOLE_TOKEN: token });
    const { page, problems } = await watchedPage(browser());
    try {
      await page.goto(`${gw.url}/console`);
      await page.waitForSelector('form.sy-token');
      await page.fill('input[name=operator-token]', token);
      await page.click('form.sy-token button');
      await page.waitForSelector('#console[data-ready=true]');
      // The first load's 401 is the browser's own console line; nothing else may go wrong.
      expect(problems).toEqual([expect.stringMatching(/^console error: Failed to load resource: .* 401/)]);
    } finally {
      await page.context().close();
      await gw.stop();
    }
  });
});
