/**
 * `pnpm bench` (100,000 users), `pnpm bench --quick` (20,000 users, short runs: under 2 minutes),
 * `pnpm bench --users N`. Starts PostgreSQL and the built service, runs every scenario through the
 * SDK over HTTP with its raw-SQL baseline beside it in the same run, prints one table and writes
 * bench/results.json and bench/results.svg. See bench/README.md.
 */
import { parseArgs } from 'node:util';
import { createCreditsClient } from '@credits/client';
import { bucketScenarios } from './buckets';
import { writeChart } from './chart';
import { eventScenarios } from './events';
import { grantScenarios } from './grant';
import { holdScenarios } from './holds';
import { ADMIN_KEY, startDatabase, startService, seedUsers } from './harness';
import { ledgerScenarios } from './ledger';
import { recordsScenarios } from './records';
import { restScenarios } from './rest';
import { printTable, type Scenario, writeResults } from './report';
import { statsScenarios } from './stats';
import { usageScenarios } from './usage';

const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, users: { type: 'string' }, only: { type: 'string' }, 'log-level': { type: 'string' }, 'ledger-rows': { type: 'string' } },
});
/** `--only ledger,usage`: some of the groups (ledger, rest, usage, grant, buckets, holds, events, records, stats); all by default. */
const only = new Set(values.only?.split(',') ?? ['ledger', 'rest', 'usage', 'grant', 'buckets', 'holds', 'events', 'records', 'stats']);
/** The service runs as shipped (`info`); `--log-level warn` shows what the log lines cost. */
const logLevel = values['log-level'];
const quick = values.quick;
const users = Number(values.users ?? (quick ? 20_000 : 100_000));
/** The ledger's size for the overview (stats): ten rows per user by default. */
const ledgerRows = Number(values['ledger-rows'] ?? users * 10);
const seconds = quick ? 2 : 6;
/** The callers of every scenario that is not part of the concurrency sweep. */
const callers = 64;
const startedAt = new Date();

console.log(`credits bench: ${users.toLocaleString('en-US')} users, ${quick ? 'quick' : 'full'} run, log level ${logLevel ?? 'info (as shipped)'}`);
const database = await startDatabase();
let service;
try {
  const timed = async <T>(what: string, work: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    const result = await work();
    console.log(`${what} in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    return result;
  };
  await timed('seeded', () => seedUsers(database.pool, users, 1000));
  service = await startService(database.url, logLevel ? { LOG_LEVEL: logLevel } : {});
  const rssMb = service.rssMb;
  // The load goes through the SDK as its users get it (calls of one tick share a request); the
  // set-up and control calls go one per request.
  const client = createCreditsClient({ url: service.url, apiKey: ADMIN_KEY, retry: false });
  const admin = createCreditsClient({ url: service.url, apiKey: ADMIN_KEY, retry: false, batch: false });
  const sdk = { pool: database.pool, client, admin, users, seconds, rssMb };

  const scenarios: Scenario[] = [];
  const groups = {
    ledger: () => ledgerScenarios({ ...sdk, hotUser: users, sweep: [1, 8, 32, 64], callers }),
    rest: () => restScenarios({ pool: database.pool, url: service!.url, users, sweep: [1, 8, 64], seconds, rssMb }),
    usage: () => usageScenarios({ ...sdk, callers, heavyRecords: quick ? 100_000 : 500_000 }),
    grant: () => grantScenarios({ ...sdk, callers }),
    buckets: () => bucketScenarios({ ...sdk, callers, bucketsToExpire: quick ? 100_000 : 1_000_000 }),
    holds: () => holdScenarios({ ...sdk, callers }),
    events: () => eventScenarios({ ...sdk, callers }),
    records: () =>
      recordsScenarios({ clusterUrl: database.url, admin, creditsUrl: service!.url, people: quick ? 50_000 : 1_000_000, callers: 8, seconds }),
    stats: () => statsScenarios({ ...sdk, ledgerRows, callers }),
  };
  for (const [group, run] of Object.entries(groups)) {
    if (only.has(group)) scenarios.push(...(await timed(`${group} scenarios`, run)));
  }

  printTable(scenarios);
  console.log(`written: ${await writeResults(startedAt, scenarios)}, ${await writeChart(scenarios)}`);
} finally {
  await service?.stop();
  await database.stop();
}
