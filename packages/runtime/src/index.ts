export { type EmbeddedDatabase, type Log, startEmbeddedPostgres } from './embedded';
export { createLogger, type Logger } from './log';
export { readOrCreateSecret } from './secret-file';
export { type AttemptLimiter, attemptLimiter } from './attempts';
