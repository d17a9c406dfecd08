import net from 'node:net';

/**
 * A start-up failure that a setting fixes (a port in use, a database that does not answer). Its
 * message names the variable and says what to do; a service prints it as one line, without a
 * stack trace, and exits 1.
 */
export class StartupError extends Error {}

/**
 * Fails before anything is set up (no database started, no cluster created) when the service
 * could not listen on `port`. `variable` is the setting that chose the port. Port 0 (any free
 * one) cannot be taken.
 */
export async function ensurePortFree(variable: string, port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (error) => reject(listenError(error, variable, port, host)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** A failed listen in words that say which setting to change; other errors as they are. */
export function listenError(error: unknown, variable: string, port: number, host: string): unknown {
  switch ((error as NodeJS.ErrnoException).code) {
    case 'EADDRINUSE':
      return new StartupError(`${variable} ${port} is in use (set ${variable} to another port)`);
    case 'EACCES':
      return new StartupError(`${variable} ${port} needs privileges this process does not have (set ${variable} to a port above 1023)`);
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`HOST ${host} is not an address of this machine (set HOST to one, e.g. 127.0.0.1 or 0.0.0.0)`);
    default:
      return error;
  }
}

/** Why a connection could not be made, by the codes of the error or of its causes; undefined for anything else. */
const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused: is PostgreSQL running there?',
  ENOTFOUND: 'no such host',
  EAI_AGAIN: 'the host name could not be resolved',
  ETIMEDOUT: 'no answer',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ECONNRESET: 'the connection was reset',
  '28P01': 'the user name or password was refused',
  '28000': 'the user may not connect',
  '3D000': 'no such database',
  '57P03': 'the server is starting up or shutting down',
  '53300': 'too many connections',
};

/**
 * A database that cannot be reached or entered at start-up, named by its variable and host
 * (never its password); other errors as they are.
 */
export function databaseError(variable: string, url: string, error: unknown): unknown {
  const reason = reasonOf(error);
  if (!reason) return error;
  const { hostname, port, pathname } = new URL(url);
  return new StartupError(`${variable}: cannot connect to PostgreSQL at ${hostname}:${port || 5432}${pathname} (${reason})`);
}

function reasonOf(error: unknown): string | undefined {
  const seen = new Set<unknown>();
  const queue = [error];
  while (queue.length) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { code, message, cause, errors } = e as { code?: unknown; message?: unknown; cause?: unknown; errors?: unknown };
    if (typeof code === 'string' && REASONS[code]) return REASONS[code];
    // pg's own words for a connect timeout (it sets no code).
    if (typeof message === 'string' && /timeout expired|timeout exceeded when trying to connect|Connection terminated due to connection timeout/i.test(message)) return 'no answer within the connect timeout';
    queue.push(cause, ...(Array.isArray(errors) ? errors : []));
  }
  return undefined;
}
