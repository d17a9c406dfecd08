export { admit, closeGracefully, requestsInFlight, startDraining, streaming } from './drain';
export { type EmbeddedDatabase, type EmbeddedOptions, type Log, runningEmbeddedUrl, startEmbeddedPostgres } from './embedded';
export { exitOnStartupError, type ReadyMessage, runUntilStopped } from './lifecycle';
export { createLogger, type Logger } from './log';
export { readOrCreateSecret } from './secret-file';
export { type AttemptLimiter, attemptLimiter } from './attempts';
export { databaseError, ensurePortFree, listenError, StartupError } from './startup';
