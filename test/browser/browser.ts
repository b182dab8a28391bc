// Debian's chromium driven by playwright-core, for the browser tests. playwright-core downloads no
// browser: CHROMIUM_PATH, or `chromium` on PATH (.ci/run installs Debian's package when missing).
// Missing: on CI (CI=true) the suite fails saying so; on a developer machine it is skipped with why.
import { spawnSync } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startGateway, type TestGateway } from '../helpers/gateway';
import { isCI } from '../services/services';
import { recordWeights } from './output';

export function chromiumPath(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const found = spawnSync('sh', ['-c', 'command -v chromium || command -v chromium-browser'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim().split('\n')[0] : undefined;
}

const MISSING = 'no chromium (set CHROMIUM_PATH, or install Debian\'s package: apt-get install -y chromium; .ci/run does)';

export interface BrowserSuite {
  browser(): Browser;
  /** The gateway under test (dev mode, memory bus and store). */
  url(): string;
  /** Loads `path` in `page` as loadMeasured does, and records its weight under the suite's `weights` name. */
  measure(page: Page, path: string, ready: string): Promise<PageWeight>;
}

/**
 * describe() with a running headless chromium and a gateway; failing on CI, skipped elsewhere,
 * without chromium. The pages it measured are recorded under `weights` when it ends.
 */
export function describeWithBrowser(name: string, weightsName: string, fn: (suite: BrowserSuite) => void): void {
  const executablePath = chromiumPath();
  if (!executablePath) {
    if (isCI()) {
      describe(name, () => it('requires chromium', () => {
        throw new Error(`[CI] "${name}" needs ${MISSING}`);
      }));
    } else {
      console.warn(`Skipping "${name}": ${MISSING}`);
      describe.skip(name, () => it('requires chromium', () => undefined));
    }
    return;
  }
  describe(name, () => {
    let browser: Browser | undefined;
    let gw: TestGateway | undefined;
    const weights: Record<string, PageWeight> = {};
    // --no-sandbox: CI and the developers' machines run as root, where chromium's sandbox refuses to start.
    beforeAll(async () => {
      browser = await chromium.launch({ executablePath, args: ['--no-sandbox'] });
      gw = await startGateway();
      // Running from the sources, the gateway builds the pages' assets on first use (a packaged
      // one reads them from dist/web/): built here, so that no measured page load pays for it.
      await fetch(`${gw.url}/console`);
    }, 60_000);
    afterAll(async () => {
      await browser?.close();
      await gw?.stop();
      if (Object.keys(weights).length > 0) recordWeights(weightsName, weights);
    });
    fn({
      browser: () => browser!,
      url: () => gw!.url,
      measure: async (page, path, ready) => (weights[path] = await loadMeasured(page, `${gw!.url}${path}`, ready)),
    });
  });
}

/** A page that records what went wrong on it: console errors and warnings, uncaught errors, and any request off this machine. */
export async function watchedPage(browser: Browser, viewport = { width: 1280, height: 900 }): Promise<{ page: Page; problems: string[] }> {
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  // Works offline: nothing may be fetched from anywhere but the gateway under test.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === '127.0.0.1' || url.protocol === 'data:') return route.continue();
    problems.push(`request off this machine: ${url.href}`);
    return route.abort();
  });
  return { page, problems };
}

export interface PageWeight {
  /** Bytes over the wire (compressed bodies and headers), every request of the page load. */
  transferBytes: number;
  requests: number;
  /** Navigation start until the page's content was rendered (the `ready` selector matched), ms by the page's clock. */
  interactiveMs: number;
  /**
   * The renderer's main-thread busy time until then (CDP TaskDuration), ms: what the page itself
   * costs, less swayed than interactiveMs by whatever else the machine is running.
   */
  mainThreadMs: number;
}

/** Loads `url`, waits for `ready` (a selector), and measures what the load cost. */
export async function loadMeasured(page: Page, url: string, ready: string): Promise<PageWeight> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Performance.enable');
  let transferBytes = 0;
  let requests = 0;
  cdp.on('Network.loadingFinished', (e) => {
    transferBytes += e.encodedDataLength;
    requests += 1;
  });
  await page.goto(url, { waitUntil: 'commit' });
  await page.waitForSelector(ready, { timeout: 30_000 });
  const interactiveMs = Math.round(await page.evaluate(() => performance.now()));
  const { metrics } = await cdp.send('Performance.getMetrics');
  const mainThreadMs = Math.round((metrics.find((m) => m.name === 'TaskDuration')?.value ?? 0) * 1000);
  await page.waitForLoadState('networkidle');
  await cdp.detach();
  return { transferBytes, requests, interactiveMs, mainThreadMs };
}
