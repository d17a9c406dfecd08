import pg from 'pg';

/**
 * Holds a user's balance row locked from outside the service, so that calls sent meanwhile all
 * queue on it and then contend at the same instant when it is released: concurrency by
 * construction, not by luck of timing.
 */
export async function holdBalanceLock(databaseUrl: string, userId?: number): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query('begin');
  // No user: every balance at once (reads still pass; locking a row for update waits).
  if (userId === undefined) await client.query('lock table credits in exclusive mode');
  else await client.query('select 1 from credits where user_id = $1 for update', [userId]);
  return {
    async release() {
      await client.query('commit');
      await client.end();
    },
  };
}

/** Resolves once `count` sessions are waiting for a row lock. */
export async function waitForLockWaiters(databaseUrl: string, count: number): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let i = 0; i < 200; i++) {
      const { rows } = await client.query(
        "select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'",
      );
      if (rows[0].n >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`fewer than ${count} sessions ever waited for the lock`);
  } finally {
    await client.end();
  }
}
