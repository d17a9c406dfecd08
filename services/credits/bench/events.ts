import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { EVENT_TYPES } from '@credits/contract';
import { drive, type Latencies, quantile, type SdkBench } from './harness';
import { compare, type Scenario } from './report';

/**
 * What the live stream and webhooks cost, as the issue that asked for them measures it:
 * - latency from a change to its subscriber: `subscribers` SSE subscribers (one per user), a change
 *   for one of them every 1/`rate` s, timed from the call's start (so the figure is an upper bound
 *   on commit-to-subscriber: it includes the call's own time);
 * - consume at `callers` callers with the stream and webhooks on (those subscribers connected, an
 *   endpoint taking every event, its receiver in this process) against off, before and after, in
 *   the same run (target: at least 0.85x).
 */
export async function eventScenarios(opts: SdkBench): Promise<Scenario[]> {
  const { pool, client, admin, users, callers, seconds, rssMb } = opts;
  const subscribers = Math.min(500, users);
  const rate = 500;
  const settle = () => pool.query('vacuum analyze credits, credit_transactions, credit_buckets');
  const randomUser = () => 1 + Math.floor(Math.random() * users);
  const consume = () => drive(callers, () => client.credits.consume.mutate({ userId: randomUser(), amount: 0.01 }), seconds);

  await settle();
  const before = await consume();

  // The stream: one subscriber per user 1..subscribers, each change timed from its call's start.
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  const calls: number[] = [];
  let started = 0;
  const subscriptions = Array.from({ length: subscribers }, (_, i) =>
    client.events.onBalance.subscribe(
      { userId: i + 1 },
      {
        onStarted: () => started++,
        onData: ({ data: event }) => {
          const at = sentAt.get(event.userId);
          if (event.type !== 'transaction.created' || at === undefined) return;
          latencies.push(performance.now() - at);
          sentAt.delete(event.userId);
        },
      },
    ),
  );
  await until(() => started === subscribers, 60_000, `${subscribers} subscribers`);
  await new Promise((resolve) => setTimeout(resolve, 500)); // the replica has registered them

  const change = async (n: number) => {
    const userId = 1 + (n % subscribers);
    if (sentAt.has(userId)) return; // its previous change has not arrived yet: one at a time per user
    const t = performance.now();
    sentAt.set(userId, t);
    await client.credits.consume.mutate({ userId, amount: 0.01 });
    calls.push(performance.now() - t);
  };
  // A second unmeasured first: the first hundreds of calls open connections and warm the JIT.
  await paced(rate, 1, change);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  latencies.length = 0;
  calls.length = 0;
  const latency = await paced(rate, seconds, change);
  await new Promise((resolve) => setTimeout(resolve, 1_000)); // the last changes arrive
  const lost = sentAt.size;
  const stream: Latencies = { ops: latencies.length, seconds: latency.seconds, p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99) };

  // The subscribers alone, idle but for the changes of their users that the consumes happen to make.
  await settle();
  const streamOn = await consume();

  // And an endpoint taking every event.
  const { rows } = await pool.query<{ m: string }>('select coalesce(max(id), 0)::text as m from credit_transactions');
  const mark = BigInt(rows[0]!.m);
  const receiver = await startReceiver(mark);
  const endpoint = await admin.webhooks.create.mutate({ url: receiver.url, events: [...EVENT_TYPES] });
  await settle();
  const on = await consume();
  const drainStarted = performance.now();
  const { rows: owed } = await pool.query<{ n: number }>('select count(*)::int as n from credit_transactions where id > $1', [mark.toString()]);
  await until(() => receiver.received() >= owed[0]!.n, 300_000, 'every webhook of the measured window');
  const drainSeconds = (performance.now() - drainStarted) / 1000;
  await admin.webhooks.remove.mutate({ endpointId: endpoint.endpointId });
  for (const s of subscriptions) s.unsubscribe();
  await receiver.close();

  await settle();
  const after = await consume();
  const off: Latencies = { ops: before.ops + after.ops, seconds: before.seconds + after.seconds, p50: after.p50, p99: after.p99 };
  return [
    compare(`event to subscriber, ${subscribers} subscribers, ${rate} changes/s`, 1, stream, null, rssMb(), `from each call's start (an upper bound; the call itself: p50 ${quantile(calls, 0.5).toFixed(1)} ms, p99 ${quantile(calls, 0.99).toFixed(1)} ms); ${lost} not arrived after 1 s`),
    compare(`consume, ${subscribers} subscribers connected`, callers, streamOn, off, rssMb(), 'baseline: no subscribers, no webhooks, before and after'),
    compare('consume, subscribers and a webhook for every event', callers, on, off, rssMb(), `baseline: off, before and after; ${owed[0]!.n} webhooks delivered ${drainSeconds.toFixed(1)} s after the window`),
  ];
}

/** Starts `op(n)` `rate` times a second for `seconds`, without waiting for one to end before the next. */
async function paced(rate: number, seconds: number, op: (n: number) => Promise<void>): Promise<{ seconds: number }> {
  const started = performance.now();
  const calls: Promise<void>[] = [];
  let n = 0;
  while (performance.now() - started < seconds * 1000) {
    const due = Math.floor(((performance.now() - started) / 1000) * rate);
    while (n < due) calls.push(op(n++));
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  await Promise.all(calls);
  return { seconds: (performance.now() - started) / 1000 };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A webhook receiver on loopback that answers 204 and counts the distinct events after `mark`
 * (no verification: that is the receiver's cost, not ours).
 */
async function startReceiver(mark: bigint) {
  const ids = new Set<string>();
  const server = http.createServer((req, res) => {
    const id = String(req.headers['webhook-id']);
    if (BigInt(id.slice('evt_'.length)) > mark) ids.add(id);
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received: () => ids.size,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
