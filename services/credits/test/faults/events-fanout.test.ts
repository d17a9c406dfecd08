import { createCreditsClient } from '@credits/client';
import { describe, expect, it, onTestFinished } from 'vitest';
import { collect, until } from '../support/events';
import { startServiceProcess } from '../support/process';
import { startTestService, TEST_ADMIN_KEY } from '../support/service';

const USERS = 100;
const SUBSCRIBERS_PER_USER = 5;
const CHANGES = 2_000;

describe('the live stream at scale', () => {
  it(`${USERS * SUBSCRIBERS_PER_USER} SSE subscribers over two replicas: each gets every event of its user, in order; one that reconnects with lastEventId misses nothing and repeats nothing`, { timeout: 300_000 }, async () => {
    const first = await startTestService();
    const second = await startServiceProcess({ DATABASE_URL: first.databaseUrl, ADMIN_API_KEY: TEST_ADMIN_KEY, LOG_LEVEL: 'warn', DAILY_GRANT_ENABLED: 'false' });
    // Whatever the outcome: a failed run must not leave a replica running for the next test.
    onTestFinished(async () => {
      await second.stop('SIGKILL');
      await first.close();
    });
    const replicas = [first.client({ retry: { retries: 5 } }), createCreditsClient({ url: second.url, apiKey: TEST_ADMIN_KEY, retry: { retries: 5 } })];
    const users = await Promise.all(Array.from({ length: USERS }, () => first.newUser({ balance: 50 })));
    for (const user of users.slice(0, USERS / 2)) await replicas[0]!.alerts.set.mutate({ userId: user.id, lowBalance: 40 });
    const mark = (await first.sql<{ m: string }>(`select coalesce(max(id), 0)::text as m from credit_transactions`))[0]!.m;

    // Every user's subscribers alternate between the replicas: a change made through either reaches both.
    const streams = users.flatMap((user, u) =>
      Array.from({ length: SUBSCRIBERS_PER_USER }, (_, s) => ({ user, ...collect(replicas[(u + s) % 2]!, user.id, mark) })),
    );

    // Reconnecting: one subscriber per user on the first tenth of users stops mid-load and comes back
    // with the last id it saw; what it got before and after, joined, must be the whole stream.
    const reconnecting = streams.filter((_, i) => i % SUBSCRIBERS_PER_USER === 0).slice(0, USERS / 10);
    const resumed: ReturnType<typeof collect>[] = [];

    let done = 0;
    const work = async (worker: number) => {
      for (let i = worker; i < CHANGES; i += 16) {
        const user = users[i % USERS]!;
        const client = replicas[i % 2]!;
        // Each user falls for 10 changes, then rises for 10: half of them cross their threshold both ways.
        if (Math.floor(i / USERS) % 20 >= 10) await client.credits.recharge.mutate({ userId: user.id, amount: 2, idempotencyKey: `fan-${i}` });
        else await client.credits.consume.mutate({ userId: user.id, amount: 2, idempotencyKey: `fan-${i}` });
        done++;
      }
    };
    const reconnect = (async () => {
      await until(() => done >= CHANGES / 2, 120_000, 'half the changes');
      for (const stream of reconnecting) {
        stream.stop();
        const last = stream.events.at(-1)?.id ?? mark;
        resumed.push(collect(replicas[1]!, stream.user.id, last));
      }
    })();
    await Promise.all([...Array.from({ length: 16 }, (_, w) => work(w)), reconnect]);

    const truth = await first.sql<{ id: string; user_id: number }>(
      `select id as n, id::text as id, user_id from credit_transactions where id > ?
       union all select id, id::text, user_id from credit_events where id > ? order by n`,
      [mark, mark],
    );
    expect(truth.length).toBeGreaterThan(CHANGES); // the changes, and the alerts they crossed
    const expectedOf = (userId: number) => truth.filter((e) => e.user_id === userId).map((e) => e.id);

    for (const [i, stream] of streams.entries()) {
      const expected = expectedOf(stream.user.id);
      const r = reconnecting.indexOf(stream);
      const got = () => (r < 0 ? stream.events : [...stream.events, ...resumed[r]!.events]);
      await until(() => got().length >= expected.length, 60_000, `subscriber ${i}'s events`);
      expect(got().map((e) => e.id), `subscriber ${i} (user ${stream.user.id}${r < 0 ? '' : ', reconnected'})`).toEqual(expected);
      expect(stream.errors).toEqual([]);
    }
    // Nothing more arrives late: no duplicate after the last event.
    await new Promise((resolve) => setTimeout(resolve, 500));
    for (const stream of streams) {
      const r = reconnecting.indexOf(stream);
      expect(stream.events.length + (r < 0 ? 0 : resumed[r]!.events.length)).toBe(expectedOf(stream.user.id).length);
    }
    for (const stream of [...streams, ...resumed]) stream.stop();
  });
});
