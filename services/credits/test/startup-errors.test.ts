import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { createTestDatabase } from './support/db';
import { freePort } from './support/ports';
import { startServiceProcess } from './support/process';

/** Start-up errors a setting fixes: one line on stderr that names the variable, no stack trace, exit 1, nothing left set up. */

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await fs.rm(dir, { recursive: true, force: true });
});
const tempDir = async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-startup-'));
  dirs.push(dir);
  return dir;
};

/** What the process printed when it stopped during start-up (startServiceProcess rejects with it). */
const failure = (env: Record<string, string>) =>
  startServiceProcess(env).then(
    async (service) => {
      await service.stop();
      throw new Error('it started');
    },
    (error: Error) => error.message,
  );

it('a taken PORT is said before the database is set up', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const { port } = taken.address() as net.AddressInfo;
  const dataDir = await tempDir();
  try {
    const started = performance.now();
    expect(await failure({ PORT: String(port), DATA_DIR: dataDir })).toBe(`service exited with 1 during start-up\nPORT ${port} is in use (set PORT to another port)\n`);
    expect(performance.now() - started).toBeLessThan(10_000); // the bound start-up errors promise (README), on however loaded a machine
    // No cluster was created for a service that could not listen.
    expect(existsSync(path.join(dataDir, 'pg'))).toBe(false);
  } finally {
    taken.close();
  }
});

it('a DATABASE_URL that does not answer is named with its host, never its password', async () => {
  const closed = await freePort();
  const refused = await failure({ DATABASE_URL: `postgres://credits:s3cret-pass@127.0.0.1:${closed}/credits` });
  expect(refused).toBe(
    `service exited with 1 during start-up\nDATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:${closed}/credits (connection refused: is PostgreSQL running there?)\n`,
  );
  const unknown = await failure({ DATABASE_URL: 'postgres://credits:s3cret-pass@db.invalid:5432/credits' });
  expect(unknown).toBe('service exited with 1 during start-up\nDATABASE_URL: cannot connect to PostgreSQL at db.invalid:5432/credits (no such host)\n');
});

it('a DATABASE_URL whose password is refused says so', async () => {
  const url = Object.assign(new URL(await createTestDatabase()), { password: 'not-the-password' });
  expect(await failure({ DATABASE_URL: url.toString() })).toBe(
    `service exited with 1 during start-up\nDATABASE_URL: cannot connect to PostgreSQL at 127.0.0.1:${url.port}${url.pathname} (the user name or password was refused)\n`,
  );
});
