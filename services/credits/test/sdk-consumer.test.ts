import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * The published SDK, as a consumer gets it: packed to a tarball, installed into a project outside
 * this workspace next to its peers only, type-checked, and run against a live service.
 */

const run = promisify(execFile);
const clientDir = path.resolve(import.meta.dirname, '../../../packages/client');
const workspaceTypeScript = path.resolve(clientDir, '../../node_modules/typescript');

const service = useTestService();
let project: string;

beforeAll(async () => {
  project = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-consumer-'));
  const packed = await run('pnpm', ['pack', '--pack-destination', project], { cwd: clientDir });
  const tarball = packed.stdout.trim().split('\n').pop()!.trim();
  const peers = JSON.parse(await fs.readFile(path.join(clientDir, 'package.json'), 'utf8')).devDependencies;
  const typescript = JSON.parse(await fs.readFile(path.join(workspaceTypeScript, 'package.json'), 'utf8')).version;
  await fs.writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: {
        '@credits/client': `file:${tarball}`,
        '@trpc/client': peers['@trpc/client'],
        '@trpc/server': peers['@trpc/server'],
        typescript,
      },
    }),
  );
  // Offline: everything comes from the store the workspace install filled; nothing else is needed.
  await run('pnpm', ['install', '--offline', '--ignore-workspace'], { cwd: project });
  await fs.writeFile(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ESNext', 'DOM'], // tRPC's own declarations use Disposable
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        types: [],
        // Check the SDK's own declarations too: they must stand without the service or MikroORM.
        skipLibCheck: false,
      },
    }),
  );
}, 180_000);

afterAll(async () => {
  if (project) await fs.rm(project, { recursive: true, force: true });
});

async function checkOnly(file: string): Promise<{ ok: boolean; output: string }> {
  await fs.writeFile(path.join(project, 'tsconfig.check.json'), JSON.stringify({ extends: './tsconfig.json', files: [file] }));
  try {
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.check.json'], { cwd: project });
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout) };
  }
}

it('installs with nothing of the service', async () => {
  const installed = await fs.readdir(path.join(project, 'node_modules/.pnpm'));
  expect(installed.some((p) => p.startsWith('@mikro-orm'))).toBe(false);
  expect(installed.some((p) => p.startsWith('zod@'))).toBe(false);
  const types = await fs.readFile(path.join(project, 'node_modules/@credits/client/dist/index.d.ts'), 'utf8');
  expect(types).not.toMatch(/@credits\/|mikro-orm|from 'zod'/);
});

it('type-checks a correct call with full inference, runs it against the service, and fails a wrong one', async () => {
  await fs.writeFile(
    path.join(project, 'ok.ts'),
    `import { createCreditsClient, isInsufficientCredits } from '@credits/client';

const client = createCreditsClient({ url: ${JSON.stringify(service.url)}, apiKey: ${JSON.stringify(TEST_ADMIN_KEY)} });
const user = await client.users.create.mutate({ email: 'consumer@example.com', name: 'Consumer' });
await client.credits.recharge.mutate({ userId: user.id, amount: 5 });
const tx = await client.credits.consume.mutate({ userId: user.id, amount: 2.5, description: 'from a consumer' });
const after: number = tx.balanceAfter;
const when: Date = tx.createdAt;
let refused: { balance: number; required: number } | undefined;
try {
  await client.credits.consume.mutate({ userId: user.id, amount: 100 });
} catch (error) {
  if (isInsufficientCredits(error)) refused = { balance: error.data.balance, required: error.data.required };
}
console.log(JSON.stringify({ after, isDate: when instanceof Date, refused }));
`,
  );
  const good = await checkOnly('ok.ts');
  expect(good.output).toBe('');
  expect(good.ok).toBe(true);

  const { stdout } = await run(process.execPath, ['ok.ts'], { cwd: project });
  expect(JSON.parse(stdout)).toEqual({ after: 2.5, isDate: true, refused: { balance: 2.5, required: 100 } });

  await fs.writeFile(
    path.join(project, 'bad.ts'),
    `import { createCreditsClient } from '@credits/client';

const client = createCreditsClient({ url: 'http://localhost:8000' });
await client.credits.consume.mutate({ userId: 1, amount: '5' });
`,
  );
  const bad = await checkOnly('bad.ts');
  expect(bad.ok).toBe(false);
  expect(bad.output).toMatch(/bad\.ts\(4,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
});

it('works from CommonJS too', async () => {
  const { stdout } = await run(process.execPath, ['-e', "console.log(typeof require('@credits/client').createCreditsClient)"], { cwd: project });
  expect(stdout.trim()).toBe('function');
});
