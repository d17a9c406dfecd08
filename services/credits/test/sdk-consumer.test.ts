import { type ChildProcess, execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * The published SDK, as a consumer gets it: packed to a tarball, installed into a project outside
 * this workspace next to its peers only, type-checked as strictly as a careful team would
 * (`exactOptionalPropertyTypes`, the package's own declarations checked too), and run against a
 * live service: the README's examples, as they are in packages/client/examples.
 */

const run = promisify(execFile);
const workspace = path.resolve(import.meta.dirname, '../../..');
const clientDir = path.join(workspace, 'packages/client');
const versionOf = async (dir: string) => JSON.parse(await fs.readFile(path.join(dir, 'package.json'), 'utf8')).version as string;

const service = useTestService();
let project: string;
let examples: string[];
const env = () => ({ ...process.env, CREDITS_URL: service.url, CREDITS_API_KEY: TEST_ADMIN_KEY });

beforeAll(async () => {
  project = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-consumer-'));
  const packed = await run('pnpm', ['pack', '--pack-destination', project], { cwd: clientDir });
  const tarball = packed.stdout.trim().split('\n').pop()!.trim();
  const manifest = JSON.parse(await fs.readFile(path.join(clientDir, 'package.json'), 'utf8'));
  await fs.writeFile(
    path.join(project, 'package.json'),
    JSON.stringify({
      name: 'consumer',
      private: true,
      type: 'module',
      dependencies: {
        '@credits/client': `file:${tarball}`,
        // The peers, at the versions the workspace builds against; Node's types for the examples.
        '@trpc/client': manifest.devDependencies['@trpc/client'],
        '@trpc/server': manifest.devDependencies['@trpc/server'],
        '@types/node': await versionOf(path.join(workspace, 'node_modules/@types/node')),
        typescript: await versionOf(path.join(workspace, 'node_modules/typescript')),
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
        exactOptionalPropertyTypes: true,
        noEmit: true,
        types: ['node'],
        // Check the SDK's own declarations too: they must stand without the service or MikroORM.
        skipLibCheck: false,
      },
    }),
  );
  examples = (await fs.readdir(path.join(clientDir, 'examples'))).filter((file) => file.endsWith('.ts'));
  for (const file of examples) await fs.copyFile(path.join(clientDir, 'examples', file), path.join(project, file));
}, 180_000);

afterAll(async () => {
  if (project) await fs.rm(project, { recursive: true, force: true });
});

async function check(...files: string[]): Promise<{ ok: boolean; output: string }> {
  await fs.writeFile(path.join(project, 'tsconfig.check.json'), JSON.stringify({ extends: './tsconfig.json', files }));
  try {
    await run(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.check.json'], { cwd: project });
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: String((error as { stdout?: string }).stdout) };
  }
}

/** Runs a TypeScript file of the project as Node runs it (types stripped), with the service in the environment. */
const runExample = async (file: string) => (await run(process.execPath, [file], { cwd: project, env: env() })).stdout;

it('installs with nothing of the service, and ships what a package should', async () => {
  const installed = await fs.readdir(path.join(project, 'node_modules/.pnpm'));
  expect(installed.some((p) => p.startsWith('@mikro-orm'))).toBe(false);
  expect(installed.some((p) => p.startsWith('zod@'))).toBe(false);
  const pkg = path.join(project, 'node_modules/@credits/client');
  const types = await fs.readFile(path.join(pkg, 'dist/index.d.ts'), 'utf8');
  expect(types).not.toMatch(/@credits\/|mikro-orm|from 'zod'/);
  expect((await fs.readdir(pkg)).sort()).toEqual(['CHANGELOG.md', 'LICENSE', 'README.md', 'dist', 'package.json']);
  const manifest = JSON.parse(await fs.readFile(path.join(pkg, 'package.json'), 'utf8'));
  expect(manifest.license).toBe('MIT');
  // Nothing unpublished, and no script that needs what is not in the package.
  expect(Object.keys({ ...manifest.dependencies, ...manifest.devDependencies, ...manifest.peerDependencies })).not.toContainEqual(
    expect.stringMatching(/^@credits\//),
  );
  expect(Object.values(manifest.scripts ?? {})).not.toContainEqual(expect.stringMatching(/examples\//));
});

it("type-checks the README's examples under exactOptionalPropertyTypes", async () => {
  expect(examples.sort()).toEqual(['charge-per-request.ts', 'meter-stream.ts', 'quickstart.ts', 'record-usage.ts']);
  // The README shows each example whole, as it is checked and run here.
  const readme = await fs.readFile(path.join(project, 'node_modules/@credits/client/README.md'), 'utf8');
  for (const file of examples) expect(readme).toContain(`\`\`\`ts\n${await fs.readFile(path.join(project, file), 'utf8')}\`\`\``);
  expect(await check(...examples)).toEqual({ ok: true, output: '' });
});

it("runs the README's examples against the service: the quickstart, usage recorded with its charge, a metered stream", async () => {
  expect(await runExample('quickstart.ts')).toBe('charged 0.25, balance 10.25\nrefused: needs 100, has 10.25\n');
  expect(await runExample('record-usage.ts')).toMatch(/^usage \d+: charged 1\.05, balance 9\.2\n1 record\(s\), 1\.05 credits, 1500 tokens\n$/);
  // Run again: the same sign-up and the same completion, recorded once and charged once.
  expect(await runExample('record-usage.ts')).toMatch(/^usage \d+: charged 1\.05, balance 9\.2\n1 record\(s\), 1\.05 credits, 1500 tokens\n$/);
  // A streamed call metered by what it used; run again (a retried request), it is charged once.
  expect(await runExample('meter-stream.ts')).toBe('streamed 490 characters, charged 0.2025, balance 8.9975\n');
  expect(await runExample('meter-stream.ts')).toBe('streamed 490 characters, charged 0.2025, balance 8.9975\n');
});

it("runs the README's HTTP handler: a charge per request, once per request id, 402 when credits run short", async () => {
  const caller = service.caller();
  const user = await caller.users.create({ email: 'handler@example.com', name: 'Handler', externalId: 'auth0|handler' });
  await caller.credits.recharge({ userId: user.id, amount: 0.6 });
  const server: ChildProcess = spawn(process.execPath, ['charge-per-request.ts'], { cwd: project, env: { ...env(), PORT: '0' } });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (chunk: Buffer) => {
        const found = /listening on (\S+)/.exec(chunk.toString());
        if (found) resolve(found[1]!);
      });
      server.once('exit', (code) => reject(new Error(`the example exited with ${code}`)));
    });
    const ask = async (headers: Record<string, string>) => {
      const res = await fetch(`${url}/summarize`, { headers });
      return { status: res.status, body: await res.json().catch(() => null) };
    };
    const as = (requestId: string) => ask({ 'x-user-id': 'auth0|handler', 'x-request-id': requestId });
    expect(await as('r1')).toEqual({ status: 200, body: { summary: 'the work that was paid for', balance: 0.35 } });
    expect(await as('r1')).toEqual({ status: 200, body: { summary: 'the work that was paid for', balance: 0.35 } }); // a retry: not charged again
    expect(await as('r2')).toEqual({ status: 200, body: { summary: 'the work that was paid for', balance: 0.1 } });
    expect(await as('r3')).toEqual({ status: 402, body: { error: 'insufficient credits', balance: 0.1, price: 0.25 } });
    expect(await ask({ 'x-user-id': 'auth0|nobody' })).toEqual({ status: 403, body: { error: 'no credits account' } });
    expect((await ask({})).status).toBe(401);
    expect((await caller.credits.balance({ userId: user.id })).balance).toBe(0.1);
  } finally {
    server.kill();
  }
});

it('type-checks a correct call with full inference, runs it, and fails a wrong one', async () => {
  await fs.writeFile(
    path.join(project, 'ok.ts'),
    `import { createCreditsClient, isInsufficientCredits, type CreditsClientOptions } from '@credits/client';

// Every option may be given as undefined under exactOptionalPropertyTypes.
const options: CreditsClientOptions = { url: process.env.CREDITS_URL, apiKey: process.env.CREDITS_API_KEY, timeoutMs: undefined, retry: { retries: undefined } };
const client = createCreditsClient(options);
const user = await client.users.create.mutate({ email: 'consumer@example.com', name: 'Consumer' });
await client.credits.recharge.mutate({ userId: user.id, amount: 5 });
const tx = await client.credits.consume.mutate({ userId: user.id, amount: 2.5, description: 'from a consumer' }, { signal: AbortSignal.timeout(5_000) });
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
  expect(await check('ok.ts')).toEqual({ ok: true, output: '' });
  expect(JSON.parse(await runExample('ok.ts'))).toEqual({ after: 2.5, isDate: true, refused: { balance: 2.5, required: 100 } });

  await fs.writeFile(
    path.join(project, 'bad.ts'),
    `import { createCreditsClient } from '@credits/client';

const client = createCreditsClient({ url: 'http://localhost:8000' });
await client.credits.consume.mutate({ userId: 1, amount: '5' });
`,
  );
  const bad = await check('bad.ts');
  expect(bad.ok).toBe(false);
  expect(bad.output).toMatch(/bad\.ts\(4,\d+\): error TS2322: Type 'string' is not assignable to type 'number'/);
});

it('works from CommonJS too', async () => {
  const { stdout } = await run(process.execPath, ['-e', "console.log(typeof require('@credits/client').createCreditsClient)"], { cwd: project });
  expect(stdout.trim()).toBe('function');
});

it('works where there is no process (a browser): nothing read from an environment, calls made with what is passed', async () => {
  const script = `
    delete globalThis.process;
    const { createCreditsClient } = await import('@credits/client');
    let withoutUrl;
    try { createCreditsClient(); } catch (error) { withoutUrl = error.message; }
    const who = await createCreditsClient({ url: ${JSON.stringify(service.url)}, apiKey: ${JSON.stringify(TEST_ADMIN_KEY)} }).auth.whoami.query();
    console.log(JSON.stringify({ withoutUrl, kind: who.kind }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: project, env: env() });
  expect(JSON.parse(stdout)).toEqual({ withoutUrl: 'createCreditsClient: no url: pass { url } or set CREDITS_URL', kind: 'admin' });
});
