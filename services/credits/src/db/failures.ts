/**
 * Which database failures are the database's state rather than a bug: the API answers them as
 * "unavailable, retry" or "timed out, nothing written", never as an internal error that leaks
 * the driver's text. Errors arrive wrapped (MikroORM's exceptions, AggregateError for a host with
 * several addresses), so the whole cause chain is searched.
 */

export type DatabaseFailure = 'unavailable' | 'timeout';

/**
 * SQLSTATEs of a server that is going away, starting, full, or unreachable (class 08, but for
 * 08P01: a protocol violation is a message we sent wrong, a bug, not an outage).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);
/** Node's socket errors when no server answers at the address. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/** pg's own messages for a lost or never-made connection (it sets no code on them). */
const LOST_CONNECTION =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection not established|connection is closed|Cannot use a pool after calling end/i;

export function databaseFailureOf(error: unknown): DatabaseFailure | undefined {
  const seen = new Set<unknown>();
  const queue: unknown[] = [error];
  while (queue.length) {
    const e = queue.shift();
    if (typeof e !== 'object' || e === null || seen.has(e)) continue;
    seen.add(e);
    const { code, sqlState, message, cause, errors } = e as {
      code?: unknown;
      sqlState?: unknown;
      message?: unknown;
      cause?: unknown;
      errors?: unknown;
    };
    const state = typeof sqlState === 'string' ? sqlState : typeof code === 'string' ? code : undefined;
    // 57014 is a statement cancelled by statement_timeout or by a request's deadline; 55P03 a lock_timeout.
    if (state === '57014' || state === '55P03') return 'timeout';
    if (state && (UNAVAILABLE_STATES.has(state) || (state.startsWith('08') && state !== '08P01') || SOCKET_CODES.has(state))) return 'unavailable';
    if (typeof message === 'string' && LOST_CONNECTION.test(message)) return 'unavailable';
    queue.push(cause, ...(Array.isArray(errors) ? errors : []));
  }
  return undefined;
}
