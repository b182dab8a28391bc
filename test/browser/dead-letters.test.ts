// The console's dead-letter tab in chromium against a real Kafka: a record the gateway's bus
// dead-letters is listed with its reason and, replayed while still invalid, refused with the field
// error; a record whose reason has passed is replayed and reaches a pizza socket open in another tab.
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import type { Page } from 'playwright-core';
import { messageExample } from '../helpers/examples';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { describeWithKafka } from '../services/services';
import { describeWithBrowser, watchedPage } from './browser';
import { screenshotPath } from './output';

const pizza = messageExample('pizza', 'CREATE_PIZZA').data as Record<string, unknown>;

describeWithKafka('the dead-letter tab with Kafka', (brokers) => {
  describeWithBrowser('/console#dead-letters in chromium', 'console-dead-letters', ({ browser }) => {
    const prefix = `browser-${randomUUID().slice(0, 8)}.`;
    const tag = randomUUID().slice(0, 8);
    let gw: TestGateway;
    let producer: Producer;

    beforeAll(async () => {
      gw = await startGateway({ KAFKA_BROKERS: brokers.join(','), KAFKA_TOPIC_PREFIX: prefix });
      producer = new Kafka({ clientId: 'browser-dead-letters', brokers, logLevel: logLevel.NOTHING }).producer();
      await producer.connect();
    }, 60_000);
    afterAll(async () => {
      await producer?.disconnect();
      await gw?.stop();
    });

    /** The row of the dead letter whose record holds `marker`, reloading the tab until it is listed. */
    async function rowOf(page: Page, marker: string) {
      const row = page.locator('.sy-dead-letters tbody tr', { hasText: marker });
      for (let tries = 0; (await row.count()) === 0; tries++) {
        if (tries === 30) throw new Error(`no dead letter holding ${marker} listed`);
        await page.waitForFunction("!document.querySelector('.sy-dead-letters .sy-note').textContent.startsWith('Reading')", undefined, { timeout: 30_000 });
        if ((await row.count()) > 0) break;
        await page.waitForTimeout(1000);
        await page.click('.sy-dead-letters h2 button');
      }
      return row;
    }

    it('lists what the bus dead-lettered with its reason, refuses to replay it still invalid, and replays one that fits now', async () => {
      // Invalid per the spec: the gateway's bus dead-letters it.
      const invalid = { id: `invalid-${tag}`, message: 'CREATE_PIZZA', to: { store_id: 5 }, data: { ...pizza, size: 'large' } };
      await producer.send({ topic: `${prefix}pizza`, messages: [{ key: '5', value: JSON.stringify(invalid) }] });
      // Dead-lettered for a reason that has passed (written as the bus writes it).
      const fits = { id: `fits-${tag}`, message: 'CREATE_PIZZA', to: { store_id: 5 }, data: { ...pizza, name: `Replayed ${tag}` } };
      await producer.send({ topic: `${prefix}pizza.dlq`, messages: [{ key: '5', value: JSON.stringify(fits), headers: { 'dlq-reason': 'store unavailable', 'dlq-offset': '0' } }] });

      const listener = await watchedPage(browser());
      const { page, problems } = await watchedPage(browser(), { width: 1400, height: 900 });
      try {
        await listener.page.goto(`${gw.url}/console#pizza`);
        await listener.page.waitForSelector('#console[data-ready=true]');
        await listener.page.fill('#panel-pizza input[name=store_id]', '5');
        await listener.page.click('#panel-pizza .sy-connect');
        await listener.page.waitForSelector('#panel-pizza .sy-status[data-state=open]');

        await page.goto(`${gw.url}/console#dead-letters`);
        await page.waitForSelector('#console[data-ready=true]');
        const bad = await rowOf(page, `invalid-${tag}`);
        expect(await bad.locator('.sy-reason').textContent()).toContain('must be integer');
        await bad.locator('button', { hasText: 'Replay' }).click();
        const refused = bad.locator('.sy-replay-result[data-status="422"]');
        await refused.waitFor();
        expect(await refused.textContent()).toContain('/data/size: must be integer');

        const good = await rowOf(page, `fits-${tag}`);
        expect(await good.locator('.sy-reason').textContent()).toBe('store unavailable');
        await good.locator('button', { hasText: 'Replay' }).click();
        await good.locator('.sy-replay-result[data-status="202"]').waitFor();
        await page.screenshot({ path: screenshotPath('console-dead-letters.png') });

        const frame = listener.page.locator('#panel-pizza .sy-frame[data-direction=in][data-valid]', { hasText: `Replayed ${tag}` });
        await frame.waitFor({ timeout: 30_000 });
        expect(await frame.getAttribute('data-valid')).toBe('true');
        // The 422 of the refused replay is the browser's own console line; nothing else may go wrong.
        expect(problems).toEqual([expect.stringMatching(/^console error: Failed to load resource: .* 422/)]);
        expect(listener.problems).toEqual([]);
      } finally {
        await page.context().close();
        await listener.page.context().close();
      }
    });
  });
});
