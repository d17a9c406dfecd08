import { createLogger } from '@credits/runtime';
import { startRecords } from './app';
import { ConfigError, loadConfig } from './config';

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const log = createLogger(config.logLevel);
const app = await startRecords(config, log).catch((error: unknown) => {
  log.fatal({ err: error }, 'start-up failed');
  process.exit(1);
});

const admin = app.adminKey.source === 'RECORDS_ADMIN_KEY' ? 'the key in RECORDS_ADMIN_KEY' : app.adminKey.generated ? `${app.adminKey.generated} (generated now, kept in ${app.adminKey.file})` : `the key in ${app.adminKey.file}`;
log.info({ credits: config.creditsUrl, database: config.databaseUrl ? 'RECORDS_DATABASE_URL' : `embedded PostgreSQL, data in ${config.dataDir}`, adminKey: admin }, `Records service listening on ${app.url}`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
