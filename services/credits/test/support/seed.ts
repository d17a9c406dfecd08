import pg from 'pg';

/** `count` users with zero balances, made in one statement (set-based, as a migration would). */
export async function seedUsers(databaseUrl: string, count: number, prefix = 'seed'): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(
      `with made as (
         insert into users (email, name)
         select $1 || '-' || g || '@example.com', 'Seeded ' || g from generate_series(1, $2) g
         returning id
       )
       insert into credits (user_id) select id from made`,
      [prefix, count],
    );
  } finally {
    await client.end();
  }
}
