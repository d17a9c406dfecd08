import type { CreditsClient } from '@credits/client';
import type pg from 'pg';
import { drive } from './harness';
import { compare, type Scenario } from './report';

/**
 * What a hold costs: hold-then-capture pairs (the SDK's `meter` without the work) at `callers`
 * callers beside plain consumes in the same run, a pair counted as one operation, as the issue
 * that asked for holds measures it (target: at least 0.45x consume's calls per second).
 */
export async function holdScenarios(opts: { pool: pg.Pool; client: CreditsClient; users: number; callers: number; seconds: number; rssMb: () => number }): Promise<Scenario[]> {
  const { pool, client, users, callers, seconds, rssMb } = opts;
  const randomUser = () => 1 + Math.floor(Math.random() * users);
  const settle = () => pool.query('vacuum analyze credits, credit_transactions, credit_buckets, credit_holds');
  await settle();
  const consume = await drive(callers, () => client.credits.consume.mutate({ userId: randomUser(), amount: 0.01 }), seconds);
  await settle();
  const pairs = await drive(
    callers,
    async () => {
      const { holdId } = await client.credits.hold.mutate({ userId: randomUser(), amount: 0.05 });
      await client.credits.capture.mutate({ holdId, amount: 0.01 });
    },
    seconds,
  );
  await settle();
  const metered = await drive(callers, () => client.meter({ userId: randomUser(), estimate: 0.05 }, async () => ({ amount: 0.01 })), seconds);
  return [
    compare('hold then capture (a pair = 1 op)', callers, pairs, consume, rssMb(), 'baseline: consume through the SDK in the same run'),
    compare('meter (hold, capture), no work', callers, metered, consume, rssMb(), 'baseline: consume through the SDK in the same run'),
  ];
}
