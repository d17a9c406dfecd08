import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';

/**
 * Statements that can be cancelled from outside the work that started them: a request past its
 * deadline cancels its statements in PostgreSQL, so the work is rolled back there rather than
 * finishing unseen after the caller was told it failed.
 */

interface Scope {
  /** Connections running this work's statements now, with the pool each came from. */
  connections: Map<pg.PoolClient, pg.Pool>;
  cancelled: boolean;
}

const scopes = new AsyncLocalStorage<Scope>();
/** A connection a cancel may have reached: it goes back to PostgreSQL, not to the pool. */
const tainted = new WeakSet<pg.PoolClient>();

export interface Cancellable<T> {
  done: Promise<T>;
  /**
   * Cancels the statements running now, and fails any started later in this work at once. Work
   * that continues in this context on others' behalf (the ledger runs queued changes of a user in
   * the context of the call that found the queue empty) fails too, rolled back and retryable:
   * otherwise it could land after its callers were told it had not.
   */
  cancel(): Promise<void>;
}

export function cancellable<T>(work: () => Promise<T>): Cancellable<T> {
  const scope: Scope = { connections: new Map(), cancelled: false };
  return {
    done: scopes.run(scope, work),
    async cancel() {
      scope.cancelled = true;
      const targets = [...scope.connections];
      for (const [connection] of targets) tainted.add(connection);
      await Promise.all(targets.map(([connection, pool]) => cancelBackend(connection, pool)));
    },
  };
}

/**
 * Runs `work` as no call's: work a call starts to go on after the call has answered (a long grant
 * run) must not be cancelled by that call's deadline.
 */
export function outsideAnyCall<T>(work: () => T): T {
  return scopes.exit(work);
}

/**
 * Runs `use` on a connection of `pool`, registered with the current scope. On any error the
 * connection is destroyed, as pg's own `pool.query` does; so is one that a cancel may have
 * reached: were it pooled, a cancel arriving late could hit the next caller's statement.
 */
export async function withConnection<T>(pool: pg.Pool, use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const scope = scopes.getStore();
  if (scope?.cancelled) throw cancelledError();
  const client = await pool.connect();
  scope?.connections.set(client, pool);
  let failed = false;
  try {
    if (scope?.cancelled) throw cancelledError();
    return await use(client);
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    scope?.connections.delete(client);
    client.release(failed || tainted.has(client));
  }
}

/**
 * The protocol's cancel request (what psql's Ctrl-C sends), on a socket of its own: the pool may
 * be exhausted by the very work being cancelled. It names the backend by the process id and
 * secret key the connection was given at start-up, so it also works through PgBouncer, which
 * hands out keys of its own and forwards the cancel to the right server (`pg_cancel_backend`
 * with that process id would reach no backend, or the wrong one).
 */
async function cancelBackend(connection: pg.PoolClient, pool: pg.Pool): Promise<void> {
  const { activeQuery } = connection as unknown as { activeQuery?: unknown };
  if (!activeQuery) return;
  // (pg keeps the password non-enumerable, hence named.)
  const options = (pool as unknown as { options: pg.PoolConfig }).options;
  const canceller = new pg.Client({ ...options, password: options.password });
  const socket = (canceller as unknown as { connection: import('node:events').EventEmitter }).connection;
  await new Promise<void>((resolve) => {
    // The server closes the socket once it has read the request; an unreachable one fails the
    // statement on its own.
    const done = setTimeout(resolve, 2_000);
    const finish = () => {
      clearTimeout(done);
      resolve();
    };
    for (const event of ['end', 'error']) socket.once(event, finish);
    (canceller as unknown as { cancel(client: pg.PoolClient, query: unknown): void }).cancel(connection, activeQuery);
  });
}

/** Shaped like PostgreSQL's own cancel (SQLSTATE 57014), so callers treat both alike. */
function cancelledError(): Error {
  return Object.assign(new Error('canceling statement: its request is past its deadline'), { code: '57014' });
}
