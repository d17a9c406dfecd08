import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export type { Logger };

/** JSON lines for machines; readable lines when a person is watching the terminal. */
export function createLogger(level: pino.Level | 'silent', stream?: pino.DestinationStream): Logger {
  const options = { level, base: undefined };
  if (stream) return pino(options, stream);
  if (process.stdout.isTTY) return pino(options, pretty({ sync: true, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' }));
  return pino(options);
}
