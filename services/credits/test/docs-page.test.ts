/// <reference lib="dom" />
import fs from 'node:fs/promises';
import path from 'node:path';
import { expect, it } from 'vitest';
import { restRoutes } from '../src/http/server';
import { describeInBrowser, launchBrowser } from './support/browser';
import { useTestService } from './support/service';

/** /docs in a real browser (Debian's chromium, headless): every route listed; a screenshot kept. */

const service = useTestService();
const SCREENSHOT = path.resolve(import.meta.dirname, 'artifacts/docs.png');

describeInBrowser('/docs in a browser', () => {
  it('renders every REST route, from assets served by the service itself', async () => {
    const browser = await launchBrowser();
    try {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1280, height: 1600 });
      const offsite: string[] = [];
      page.on('request', (request) => {
        if (!request.url().startsWith(service.url)) offsite.push(request.url());
      });
      await page.goto(`${service.url}/docs`);
      await page.waitForFunction((n) => document.querySelectorAll('.opblock').length >= n, restRoutes.length, { timeout: 30_000 });

      const listed = await page.$$eval('.opblock', (blocks) =>
        blocks.map((b) => `${b.querySelector('.opblock-summary-method')?.textContent} ${b.querySelector('.opblock-summary-path')?.getAttribute('data-path')}`),
      );
      expect(listed.sort()).toEqual(restRoutes.map((r) => `${r.method} ${r.path}`).sort());
      expect(offsite).toEqual([]); // no CDN: everything came from the service

      await fs.mkdir(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
      expect((await fs.stat(SCREENSHOT)).size).toBeGreaterThan(10_000);
    } finally {
      await browser.close();
    }
  });
});
