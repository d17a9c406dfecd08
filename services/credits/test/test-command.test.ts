import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

/**
 * The README's test command says red when something is red, and CI never passes without the
 * browser tests: vitest is run here on fixtures and on the /docs browser test, and its exit code
 * checked.
 */
const serviceDir = path.resolve(import.meta.dirname, '..');
const vitest = path.resolve(serviceDir, '../../node_modules/vitest/vitest.mjs');

function runVitest(args: string[], env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // The dot reporter only: a nested run must not write the JSON report CI reads.
    const child = spawn(process.execPath, [vitest, 'run', '--reporter=dot', ...args], { cwd: serviceDir, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** A fixture run with the suite's own global set-up, whose embedded PostgreSQL once brought exit hooks that ended every run with 0. */
const runFixture = (file: string) => runVitest(['--config', 'test/fixtures/exit-code/vitest.config.ts'], { RED_FIXTURE: file });

it.each([
  ['a failed test', 'failing.fixture.ts', /1 failed/],
  ['an unhandled error in a passing test', 'unhandled.fixture.ts', /nobody handles this/],
])('exits non-zero on %s', async (_, file, says) => {
  const { code, output } = await runFixture(file);
  expect(output).toMatch(says);
  expect(code, output).toBe(1);
});

it('exits 0 when everything passes (the same set-up)', async () => {
  const { code, output } = await runFixture('passing.fixture.ts');
  expect(code, output).toBe(0);
});

it('without Chromium the /docs browser test skips with one line saying how to install it; under REQUIRE_BROWSER_TESTS=1 (.ci/run) it fails', async () => {
  const [skipped, required] = await Promise.all([
    runVitest(['test/docs-page.test.ts'], { CHROMIUM_PATH: '/nowhere/chromium', REQUIRE_BROWSER_TESTS: '' }),
    runVitest(['test/docs-page.test.ts'], { CHROMIUM_PATH: '/nowhere/chromium', REQUIRE_BROWSER_TESTS: '1' }),
  ]);
  expect(skipped.code, skipped.output).toBe(0);
  expect(skipped.output.split('\n').filter((line) => line.includes('Chromium'))).toEqual([
    '/docs in a browser: skipped, no Chromium at /nowhere/chromium (apt-get install chromium, or set CHROMIUM_PATH)',
  ]);
  expect(required.output).toContain('REQUIRE_BROWSER_TESTS=1 but there is no Chromium at /nowhere/chromium');
  expect(required.code, required.output).toBe(1);
});
