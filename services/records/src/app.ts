import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type Logger, readOrCreateSecret } from '@credits/runtime';
import type { Config } from './config';
import { connectCredits } from './credits';
import { openDataset } from './dataset';
import { createRecordsServer } from './server';

export interface RecordsApp {
  url: string;
  /** Where the admin key comes from, and the key itself on the run that generated it. */
  adminKey: { source: 'RECORDS_ADMIN_KEY' } | { source: 'file'; file: string; generated?: string };
  close(): Promise<void>;
}

/** The dataset, the SDK client and the HTTP server: what `main` starts, and what tests start in-process. */
export async function startRecords(config: Config, log: Logger): Promise<RecordsApp> {
  const dataset = await openDataset(config.databaseUrl, config.dataDir, log);
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
  const credits = connectCredits(config.creditsUrl, config.creditsApiKey, config.creditsApiKeyFile);
  const server = createRecordsServer({ config, dataset, credits, adminKey, log });
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(config.port, config.host, resolve));
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${config.host}:${port}`,
    adminKey: info,
    close: () =>
      (closing ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeIdleConnections();
        });
        await dataset.close();
      })()),
  };
}
