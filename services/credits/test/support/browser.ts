import { existsSync } from 'node:fs';
import type { TestContext } from 'vitest';

/** The browser that browser tests drive: Debian's Chromium, or CHROMIUM_PATH. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * At the start of a browser test: without Chromium the test skips, with one line on stderr saying
 * how to install it. With REQUIRE_BROWSER_TESTS=1 (`.ci/run` sets it, having installed Chromium) a
 * missing browser fails the test instead: CI never skips them.
 */
export function skipWithoutBrowser(ctx: TestContext, what: string): void {
  if (existsSync(chromiumPath)) return;
  const notice = `no Chromium at ${chromiumPath}: install it (sudo apt-get install chromium) or set CHROMIUM_PATH to one`;
  if (process.env.REQUIRE_BROWSER_TESTS === '1') throw new Error(`${notice}; REQUIRE_BROWSER_TESTS=1 does not let browser tests skip`);
  process.stderr.write(`skipped ${what}: ${notice}\n`);
  ctx.skip(notice);
}
