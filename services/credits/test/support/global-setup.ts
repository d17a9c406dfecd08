/**
 * One PostgreSQL for the whole run (the embedded one the service itself uses), with a migrated
 * template database; each test file clones it into a database of its own (see db.ts).
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { createLogger, startEmbeddedPostgres } from '@credits/runtime';
import { openDatabase } from '../../src/db/orm';
import type {} from './provided';

export default async function setup(project: TestProject) {
  // The SDK falls back on these when a client is made without a url or key: a developer's own
  // must not reach the tests' clients (the test files run in processes started after this).
  delete process.env.CREDITS_URL;
  delete process.env.CREDITS_API_KEY;
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-test-'));
  const log = createLogger('warn');
  const database = await startEmbeddedPostgres(dataDir, 'credits', log);
  const orm = await openDatabase(database.url, 2, log);
  await orm.close();
  project.provide('templateUrl', database.url);
  return async () => {
    await database.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
}
