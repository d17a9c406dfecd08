import { execFile } from 'node:child_process';
import path from 'node:path';
import { expect, it } from 'vitest';

/** The workspace type-checks (strict): a type error fails the suite like any other test. */
const root = path.resolve(import.meta.dirname, '../../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

it.each(['packages/contract', 'packages/client', 'packages/runtime', 'services/credits', 'services/records', 'scripts'])('%s type-checks', async (dir) => {
  // tsc's exit code decides: a compiler that fails to run (or reports on stderr) prints nothing on stdout.
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = execFile(process.execPath, [tsc, '--noEmit', '-p', path.join(root, dir)], (_error, stdout, stderr) => resolve({ code: child.exitCode, output: `${stdout}${stderr}` }));
  });
  expect(output).toBe('');
  expect(code).toBe(0);
});
