import { createLogger, exitOnStartupError, runUntilStopped } from '@credits/runtime';
import { startApp } from './app';
import { loadConfig } from './config';

const config = (() => {
  try {
    return loadConfig(process.env);
  } catch (error) {
    return exitOnStartupError(error, createLogger('fatal'));
  }
})();
const log = createLogger(config.logLevel);
const app = await startApp(config, log).catch((error: unknown) => exitOnStartupError(error, log));

if (app.adminKey.source === 'none') {
  log.warn('ADMIN_API_KEY is not set: admin operations are disabled (admin-scope API keys made earlier still work)');
}
// What a newcomer needs first, right after the URL: where the docs are and the admin key, then the console to use it in.
log.info(
  {
    docs: `${app.url}/docs`,
    admin: adminKeyLine(app.adminKey),
    console: `${app.url}/console`,
    tRPC: `${app.url}/trpc`,
    health: `${app.url}/health`,
    ready: `${app.url}/ready`,
    database: app.database,
  },
  `Credits service listening on ${app.url} (Ctrl-C stops it)`,
);
runUntilStopped(app, log);

/** The generated admin key is printed on the run that made it, so a newcomer can use it; after that, where to find it. */
function adminKeyLine(adminKey: typeof app.adminKey): string {
  if (adminKey.source === 'ADMIN_API_KEY') return 'the key in ADMIN_API_KEY';
  if (adminKey.source === 'none') return 'disabled: ADMIN_API_KEY is not set';
  if (adminKey.generated) return `${adminKey.generated} (generated now, kept in ${adminKey.file})`;
  return `the key in ${adminKey.file}`;
}
