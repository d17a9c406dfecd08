/**
 * `pnpm --filter @credits/service bench:profile [scenario] [--callers N] [--no-batch]`: one
 * scenario's load (64 callers through the SDK, 8 s) against the built service run with
 * `node --cpu-prof`, then the functions that took the most of the service's CPU, by self time.
 * Scenarios: consume, balance, usage (the SDK), rest-deduct, rest-balance (seed 000's REST, keep-alive
 * HTTP). KEEP_PROFILE=1 keeps the .cpuprofile (for DevTools).
 */
import fs from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCreditsClient } from '@credits/client';
import { ADMIN_KEY, drive, seedUsers, startDatabase, startService } from './harness';
import { restClient } from './rest';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { callers: { type: 'string', default: '64' }, 'no-batch': { type: 'boolean', default: false } },
});
const scenario = positionals[0] ?? 'consume';
const users = 20_000;
const database = await startDatabase();
const profileDir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-profile-'));
try {
  await seedUsers(database.pool, users, 1000);
  const service = await startService(database.url, {}, ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]);
  const client = createCreditsClient({ url: service.url, apiKey: ADMIN_KEY, retry: false, batch: !values['no-batch'] });
  const userId = () => 1 + Math.floor(Math.random() * users);
  const rest = restClient(service.url, new http.Agent({ keepAlive: true, maxSockets: Number(values.callers) }));
  const ops: Record<string, () => Promise<unknown>> = {
    'rest-deduct': () => rest('POST', `/api/credits/${userId()}/deduct`, { amount: 0.01 }),
    'rest-balance': () => rest('GET', `/api/credits/${userId()}`),
    consume: () => client.credits.consume.mutate({ userId: userId(), amount: 0.01 }),
    balance: () => client.credits.balance.query({ userId: userId() }),
    usage: () => client.usage.record.mutate({ userId: userId(), endpoint: '/api', eventType: 'ai_chat', creditsCharged: 0.01, charge: true }),
  };
  const op = ops[scenario];
  if (!op) throw new Error(`unknown scenario ${scenario}: one of ${Object.keys(ops).join(', ')}`);
  const result = await drive(Number(values.callers), op, 8);
  console.log(`${scenario}: ${(result.ops / result.seconds).toFixed(0)} ops/s, p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms`);
  await service.stop();

  const [file] = await fs.readdir(profileDir);
  const profile = JSON.parse(await fs.readFile(path.join(profileDir, file!), 'utf8')) as Profile;
  const counts = new Map<number, number>();
  for (const id of profile.samples) counts.set(id, (counts.get(id) ?? 0) + 1);
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url.replace(/^.*node_modules\/\.pnpm\/([^/]+)\/node_modules\//, '$1:').replace(/^.*\/services\//, '');
    const name = `${functionName || '(anonymous)'} ${where}:${lineNumber + 1}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + (counts.get(node.id) ?? 0));
  }
  const total = profile.samples.length;
  console.log(`\nself time, top 30 of ${total} samples:`);
  for (const [name, n] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
    console.log(`${((100 * n) / total).toFixed(1).padStart(5)}%  ${name}`);
  }
} finally {
  await database.stop();
  if (!process.env.KEEP_PROFILE) await fs.rm(profileDir, { recursive: true, force: true });
  else console.log(`profile kept in ${profileDir}`);
}
