/** One PostgreSQL for the run (the embedded one); test files make their own databases in it. */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger, startEmbeddedPostgres } from '@credits/runtime';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A superuser URL to the cluster's `postgres` database. */
    clusterUrl: string;
  }
}

export default async function setup(project: TestProject) {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'records-test-'));
  const database = await startEmbeddedPostgres(dataDir, 'postgres', createLogger('warn'));
  project.provide('clusterUrl', database.url);
  return async () => {
    await database.stop();
    await fs.rm(dataDir, { recursive: true, force: true });
  };
}
