import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { describe, it } from 'vitest';

/**
 * Debian's Chromium for the browser tests. Without it a browser test skips with a one-line
 * notice, unless REQUIRE_BROWSER_TESTS=1 (CI), where a missing browser is a failure.
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const present = fs.existsSync(CHROMIUM);

/** `describe`, or its skip (with the notice), or a failing test saying what is missing. */
export function describeInBrowser(name: string, body: () => void): void {
  if (present) {
    describe(name, body);
    return;
  }
  if (process.env.REQUIRE_BROWSER_TESTS === '1') {
    describe(name, () => it('has Chromium', () => {
      throw new Error(`REQUIRE_BROWSER_TESTS=1 but there is no Chromium at ${CHROMIUM}: apt-get install chromium`);
    }));
    return;
  }
  process.stderr.write(`${name}: skipped, no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH)\n`);
  describe.skip(name, body);
}

/** A headless Chromium with a fresh profile of its own; each page in it has its own sessionStorage. */
export async function launchBrowser(): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'credits-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}
