import { spawn } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

/**
 * The README's test command must say red when a test fails: vitest's exit code survives the
 * global set-up, whose embedded PostgreSQL once brought exit hooks that ended the process with 0.
 */
const serviceDir = path.resolve(import.meta.dirname, '..');

function runFixture(file: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.resolve(serviceDir, '../../node_modules/vitest/vitest.mjs'), 'run', '--config', 'test/fixtures/exit-code/vitest.config.ts'], {
      cwd: serviceDir,
      env: { ...process.env, RED_FIXTURE: file, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

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
