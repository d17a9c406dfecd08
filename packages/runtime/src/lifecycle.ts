import type { Logger } from './log';
import { StartupError } from './startup';

/**
 * A service process's life around its app, the same for both services. A start-up error that a
 * setting fixes is one line on stderr; anything else is logged with its stack. Once up, a
 * supervisor (`pnpm start`, connected over IPC) is told where the service listens. SIGINT,
 * SIGTERM, or the supervisor going away, stop it once: `close()` drains the requests in flight
 * and stops what the app started, its database last; then the process exits 0.
 */

/** What a supervisor hears from a service that is up. */
export interface ReadyMessage {
  ready: string;
}

export function exitOnStartupError(error: unknown, log: Logger): never {
  if (error instanceof StartupError) console.error(error.message);
  else log.fatal({ err: error }, 'start-up failed');
  process.exit(1);
}

export function runUntilStopped(app: { url: string; close(): Promise<void> }, log: Logger): void {
  let stopping = false;
  const stop = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down: finishing requests in flight');
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
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => stop(signal));
  if (process.send) {
    // A supervisor that dies (even by SIGKILL) closes the channel: no service outlives it.
    process.once('disconnect', () => stop('supervisor gone'));
    process.send({ ready: app.url } satisfies ReadyMessage);
  }
}
