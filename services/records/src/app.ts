import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { closeGracefully, ensurePortFree, type Logger, listenError, readOrCreateSecret } from '@credits/runtime';
import type { Config } from './config';
import { connectCredits } from './credits';
import { type CreditsProblem, ensureServiceKey, resolveServiceKey } from './credits-key';
import { openDataset } from './dataset';
import { createRecordsServer } from './server';

export interface RecordsApp {
  url: string;
  /** Where the admin key comes from, and the key itself on the run that generated it. */
  adminKey: { source: 'RECORDS_ADMIN_KEY' } | { source: 'file'; file: string; generated?: string };
  /** Which key it uses for the credits service. */
  creditsKey: string;
  /** Set when the credits service did not answer at start-up (it starts degraded). */
  creditsProblem: CreditsProblem | undefined;
  close(): Promise<void>;
}

/**
 * The credits key, the dataset and the HTTP server: what `main` starts, and what tests start
 * in-process. The checks that a setting fixes come first, before a database is set up.
 */
export async function startRecords(config: Config, log: Logger): Promise<RecordsApp> {
  await ensurePortFree('RECORDS_PORT', config.port, config.host);
  const creditsKey = await resolveServiceKey(config);
  const creditsProblem = await ensureServiceKey(config, creditsKey);
  // Its own process group: Ctrl-C reaches this process, which drains, then stops the database.
  const dataset = await openDataset(config.databaseUrl, config.dataDir, log, { ownProcessGroup: true });
  let adminKey: string;
  let info: RecordsApp['adminKey'];
  if (config.adminKey) {
    adminKey = config.adminKey;
    info = { source: 'RECORDS_ADMIN_KEY' };
  } else {
    const file = path.join(config.dataDir, 'admin-key');
    const { secret, created } = await readOrCreateSecret(file, () => `rk_admin_${randomBytes(32).toString('base64url')}`);
    adminKey = secret;
    info = { source: 'file', file, ...(created ? { generated: secret } : {}) };
  }
  const credits = connectCredits(config.creditsUrl, creditsKey.key);
  const server = createRecordsServer({ config, dataset, credits, creditsKey: creditsKey.key, adminKey, log });
  try {
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, config.host, resolve));
  } catch (error) {
    await dataset.close();
    throw listenError(error, 'RECORDS_PORT', config.port, config.host);
  }
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`,
    adminKey: info,
    creditsKey: creditsKey.describe,
    creditsProblem,
    close: () =>
      (closing ??= (async () => {
        await closeGracefully(server, config.shutdownGraceMs);
        await dataset.close();
      })()),
  };
}
