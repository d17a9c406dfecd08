import { createLogger, exitOnStartupError, runUntilStopped } from '@credits/runtime';
import { startRecords } from './app';
import { loadConfig } from './config';

const config = (() => {
  try {
    return loadConfig(process.env);
  } catch (error) {
    return exitOnStartupError(error, createLogger('fatal'));
  }
})();
const log = createLogger(config.logLevel);
const app = await startRecords(config, log).catch((error: unknown) => exitOnStartupError(error, log));

if (app.creditsProblem) log.warn({ credits: config.creditsUrl }, `the credits service is ${app.creditsProblem}: /health says degraded until it answers`);
const admin = app.adminKey.source === 'RECORDS_ADMIN_KEY' ? 'the key in RECORDS_ADMIN_KEY' : app.adminKey.generated ? `${app.adminKey.generated} (generated now, kept in ${app.adminKey.file})` : `the key in ${app.adminKey.file}`;
log.info(
  {
    credits: config.creditsUrl,
    creditsKey: app.creditsKey,
    database: config.databaseUrl ? 'RECORDS_DATABASE_URL' : `embedded PostgreSQL, data in ${config.dataDir}`,
    adminKey: admin,
  },
  `Records service listening on ${app.url} (Ctrl-C stops it)`,
);
runUntilStopped(app, log);
