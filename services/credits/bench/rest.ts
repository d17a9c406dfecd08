import http from 'node:http';
import type pg from 'pg';
import { ADMIN_KEY, drive } from './harness';
import { RAW } from './ledger';
import { compare, type Scenario } from './report';

/**
 * The REST surfaces the seeds' clients call, as those clients call them: plain HTTP/1.1 with
 * keep-alive, one request per call, JSON bodies, no SDK. Each beside the raw SQL of the same effect.
 */
export async function restScenarios(opts: {
  pool: pg.Pool;
  url: string;
  users: number;
  sweep: number[];
  seconds: number;
  rssMb: () => number;
}): Promise<Scenario[]> {
  const { pool, url, users, sweep, seconds, rssMb } = opts;
  const randomUser = () => 1 + Math.floor(Math.random() * users);
  let keys = 0;
  const key = () => `bench-rest-${process.pid}-${keys++}`;
  const settle = () => pool.query('vacuum analyze credits, credit_transactions');
  const scenarios: Scenario[] = [];

  for (const clients of sweep) {
    const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
    const call = restClient(url, agent);
    const pair = async (name: string, ours: () => Promise<unknown>, raw: () => Promise<unknown>) => {
      await settle();
      const service = await drive(clients, ours, seconds);
      await settle();
      const baseline = await drive(clients, raw, seconds);
      scenarios.push(compare(name, clients, service, baseline, rssMb()));
    };
    await pair(
      'REST seed 000: POST /api/credits/{id}/deduct',
      () => call('POST', `/api/credits/${randomUser()}/deduct`, { amount: 0.01 }),
      () => pool.query(RAW.consume, [randomUser(), 0.01, key()]),
    );
    await pair(
      'REST seed 000: GET /api/credits/{id}',
      () => call('GET', `/api/credits/${randomUser()}`),
      () => pool.query(RAW.balance, [randomUser()]),
    );
    await pair(
      'REST seed 004: POST .../credits/consume',
      () => call('POST', `/api/v1/users/${encodeURIComponent(`bench|${randomUser()}`)}/credits/consume`, { amount: 0.01 }),
      () => pool.query(RAW.consume, [randomUser(), 0.01, key()]),
    );
    agent.destroy();
  }
  return scenarios;
}

/** One request on a kept-alive connection; resolves with the status once the body is read (a non-2xx is an answer too). */
export function restClient(base: string, agent: http.Agent) {
  const { hostname, port } = new URL(base);
  return (method: string, path: string, body?: unknown) =>
    new Promise<number>((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request(
        {
          host: hostname,
          port,
          method,
          path,
          agent,
          headers: {
            authorization: `Bearer ${ADMIN_KEY}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          res.resume();
          res.once('end', () => (res.statusCode! < 300 ? resolve(res.statusCode!) : reject(new Error(`${method} ${path}: ${res.statusCode}`))));
        },
      );
      req.once('error', reject);
      req.end(payload);
    });
}
