/**
 * `pnpm bench` (1,000,000 users: the daily grant's benchmark asks for a million),
 * `pnpm bench --quick` (20,000 users, about a minute), `pnpm bench --users N`. Starts PostgreSQL and the built service, runs every scenario
 * through the SDK over HTTP with its raw-SQL baseline beside it, prints one table and writes
 * bench/results.json.
 */
import { parseArgs } from 'node:util';
import { createCreditsClient } from '@credits/client';
import { grantScenarios } from './grant';
import { recordsScenarios } from './records';
import { usageScenarios } from './usage';
import { ADMIN_KEY, startDatabase, startService, seedUsers } from './harness';
import { printTable, type Scenario, writeResults } from './report';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, users: { type: 'string' } } });
const quick = values.quick;
const users = Number(values.users ?? (quick ? 20_000 : 1_000_000));
const seconds = quick ? 4 : 10;
const startedAt = new Date();

console.log(`credits bench: ${users.toLocaleString('en-US')} users, ${quick ? 'quick' : 'full'} run`);
const database = await startDatabase();
let service;
try {
  let t = performance.now();
  await seedUsers(database.pool, users, 1000);
  console.log(`seeded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  service = await startService(database.url);
  const client = createCreditsClient({ url: service.url, apiKey: ADMIN_KEY, batch: false, retry: false });

  const scenarios: Scenario[] = [];
  t = performance.now();
  scenarios.push(...(await grantScenarios({ pool: database.pool, client, users, callers: 8, seconds, rssMb: service.rssMb })));
  console.log(`grant scenarios in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const heavyRecords = quick ? 100_000 : 500_000;
  scenarios.push(...(await usageScenarios({ pool: database.pool, client, users, callers: 8, seconds, heavyRecords, rssMb: service.rssMb })));
  console.log(`usage scenarios in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  t = performance.now();
  const people = quick ? 100_000 : 1_000_000;
  scenarios.push(...(await recordsScenarios({ clusterUrl: database.url, admin: client, creditsUrl: service.url, people, callers: 8, seconds })));
  console.log(`records scenarios in ${((performance.now() - t) / 1000).toFixed(1)} s`);

  printTable(scenarios);
  console.log(`written: ${await writeResults(startedAt, scenarios)}`);
} finally {
  await service?.stop();
  await database.stop();
}
