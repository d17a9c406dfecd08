import { startApp } from './app';
import { ConfigError, loadConfig } from './config';
import { createLogger } from '@credits/runtime';

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const log = createLogger(config.logLevel);
const app = await startApp(config, log).catch((error: unknown) => {
  log.fatal({ err: error }, 'start-up failed');
  process.exit(1);
});

if (app.adminKey.source === 'none') {
  log.warn('ADMIN_API_KEY is not set: admin operations are disabled (admin-scope API keys made earlier still work)');
}
log.info(
  {
    console: `${app.url}/console`,
    tRPC: `${app.url}/trpc`,
    health: `${app.url}/health`,
    ready: `${app.url}/ready`,
    database: app.database,
    admin: adminKeyLine(app.adminKey),
  },
  `Credits service listening on ${app.url} (Ctrl-C stops it)`,
);

/** The generated admin key is printed on the run that made it, so a newcomer can use it; after that, where to find it. */
function adminKeyLine(adminKey: typeof app.adminKey): string {
  if (adminKey.source === 'ADMIN_API_KEY') return 'the key in ADMIN_API_KEY';
  if (adminKey.source === 'none') return 'disabled: ADMIN_API_KEY is not set';
  if (adminKey.generated) return `${adminKey.generated} (generated now, kept in ${adminKey.file})`;
  return `the key in ${adminKey.file}`;
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: finishing requests in flight');
    app.close().then(
      () => {
        log.info('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
