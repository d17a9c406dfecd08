import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';

/** The workspace type-checks (strict): a type error fails the suite like any other test. */
const root = path.resolve(import.meta.dirname, '../../..');
const tsc = path.join(root, 'node_modules/typescript/bin/tsc');

it.each(['packages/contract', 'packages/client', 'packages/runtime', 'services/credits', 'services/records'])('%s type-checks', async (dir) => {
  const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', path.join(root, dir)]).catch(
    (error: { stdout: string }) => error,
  );
  expect(result.stdout).toBe('');
});
