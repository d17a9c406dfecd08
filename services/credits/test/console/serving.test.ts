import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { useTestService } from '../support/service';

/**
 * /console: the console's built files, served without credentials, cached right, every client
 * route answered with the page; and the page's first load within its budget.
 */

const service = useTestService();
const dist = path.resolve(import.meta.dirname, '../../../../packages/console/dist');
/** The budget for the JavaScript the page loads before it can show anything, gzipped. */
const INITIAL_JS_BUDGET = 250 * 1024;

const get = (pathname: string, headers: Record<string, string> = {}) => fetch(`${service.url}${pathname}`, { headers, redirect: 'manual' });

describe('/console', () => {
  it('answers the page without credentials, never cached, locked to its own origin', async () => {
    for (const pathname of ['/console', '/console/', '/console/users/42', '/console/api-keys']) {
      const res = await get(pathname);
      expect(res.status, pathname).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      const html = await res.text();
      expect(html).toContain('<div id="root"></div>');
      expect(html).not.toMatch(/https?:\/\//); // no CDN: every asset from /console/assets
    }
  });

  it('serves the hashed assets for good, and a missing asset as 404, not as the page', async () => {
    const html = await (await get('/console')).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/console\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.some((a) => a.endsWith('.js'))).toBe(true);
    for (const asset of assets) {
      const res = await get(asset);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
      expect(res.headers.get('content-type')).toMatch(asset.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      expect(Buffer.from(await res.arrayBuffer()).equals(fs.readFileSync(path.join(dist, asset.slice('/console/'.length))))).toBe(true);
    }
    for (const missing of ['/console/assets/index-00000000.js', '/console/assets/..%2Fpackage.json', '/console/assets/../index.html']) {
      const res = await get(missing);
      expect(res.status === 404 || (res.status === 200 && (await res.text()).includes('<div id="root">')), missing).toBe(true);
    }
    expect((await get('/console/assets/index-00000000.js')).status).toBe(404);
  });

  it('answers only GET and HEAD anonymously: a POST under /console is refused before it is read', async () => {
    expect((await fetch(`${service.url}/console/`, { method: 'HEAD' })).status).toBe(200);
    expect((await fetch(`${service.url}/console/`, { method: 'POST', body: 'x' })).status).toBe(401);
  });

  it(`loads at most ${INITIAL_JS_BUDGET / 1024} KB of JavaScript (gzipped) before the page shows`, () => {
    const html = fs.readFileSync(path.join(dist, 'index.html'), 'utf8');
    // The entry script and every module it preloads: what the browser fetches before first render.
    const initial = [...html.matchAll(/<(?:script[^>]*\bsrc|link[^>]*rel="modulepreload"[^>]*\bhref)="\/console\/([^"]+\.js)"/g)].map((m) => m[1]!);
    expect(initial.length).toBeGreaterThan(0);
    const gzipped = initial.reduce((sum, file) => sum + gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length, 0);
    console.info(`console: initial JavaScript ${initial.join(', ')}: ${(gzipped / 1024).toFixed(1)} KB gzipped (budget ${INITIAL_JS_BUDGET / 1024} KB)`);
    expect(gzipped).toBeLessThanOrEqual(INITIAL_JS_BUDGET);
  });
});
