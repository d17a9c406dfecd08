import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/**
 * JSON lines for machines; readable lines when a person is watching the terminal. The JSON lines
 * go through pino's asynchronous destination: a call never waits for its line to reach a slow disk
 * or pipe (they are buffered and written off the call's path, and flushed when the process exits).
 */
export function createLogger(level: pino.Level | 'silent', stream?: pino.DestinationStream): Logger {
  const options = { level, base: undefined };
  if (stream) return pino(options, stream);
  if (process.stdout.isTTY) return pino(options, pretty({ sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
  return pino(options, pino.destination({ dest: 1, sync: false }));
}
