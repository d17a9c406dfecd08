import http from 'node:http';
import { createCreditsClient } from '@credits/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPeople } from '../src/generate';
import { createDatabase, type Running, startCredits, startRecordsProcess } from './support/processes';

/**
 * What one careless or hostile client can do to everyone else: nothing. Clients are told apart
 * by their loopback addresses (127.0.0.2 attacks, 127.0.0.3 minds its business), as two hosts
 * behind no proxy would be.
 */

const ADMIN = 'records-abuse-credits-admin-key';
const RECORDS_ADMIN = 'records-abuse-admin-key-0123';
const ATTACKER = '127.0.0.2';
const BYSTANDER = '127.0.0.3';
const SIGNUPS_PER_MINUTE = 8;

let credits: Running;
let records: Running;
const admin = () => createCreditsClient({ url: credits.url, apiKey: ADMIN, retry: false });

beforeAll(async () => {
  const [creditsDb, recordsDb] = await Promise.all([createDatabase('credits'), createDatabase('records')]);
  // Both services at their default failure limits: 30 bad keys a minute per address.
  credits = await startCredits({ DATABASE_URL: creditsDb, ADMIN_API_KEY: ADMIN });
  const serviceKey = await admin().apiKeys.create.mutate({ name: 'records service', scope: 'service' });
  records = await startRecordsProcess({
    CREDITS_URL: credits.url,
    CREDITS_API_KEY: serviceKey.key,
    RECORDS_DATABASE_URL: recordsDb,
    RECORDS_ADMIN_KEY: RECORDS_ADMIN,
    SIGNUPS_PER_MINUTE: String(SIGNUPS_PER_MINUTE),
  });
  const pool = new pg.Pool({ connectionString: recordsDb });
  await loadPeople(pool, 1_000);
  await pool.end();
}, 120_000);

afterAll(async () => {
  await records?.stop();
  await credits?.stop();
});

/** A request from `from` (a loopback address), on a connection of its own. */
function callFrom(from: string, method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const { hostname, port } = new URL(records.url);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  // biome-ignore lint/suspicious/noExplicitAny: the tests read whatever JSON the service answered, field by field
  return new Promise<{ status: number; body: Record<string, any>; retryAfter: string | undefined }>((resolve, reject) => {
    const req = http.request(
      { host: hostname, port, method, path, localAddress: from, agent: false, headers: { ...headers, ...(payload ? { 'content-type': 'application/json' } : {}) } },
      (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text), retryAfter: res.headers['retry-after'] }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

let emails = 0;
const signupFrom = (from: string) => callFrom(from, 'POST', '/auth/signup', {}, { name: 'Reader', email: `abuse${++emails}@example.com` });

describe('bad keys from one client', () => {
  it('30 seconds of them limit that client only: another client queries and signs up all along', async () => {
    const bystander = await signupFrom(BYSTANDER);
    expect(bystander.status).toBe(200);
    await admin().credits.recharge.mutate({ userId: bystander.body.user_id, amount: 10_000 });
    const key = { 'x-api-key': bystander.body.api_key as string };
    const attacker = { sent: 0, unauthorized: 0, limited: 0, other: [] as number[] };
    const good = { sent: 0, ok: 0, failures: [] as string[] };
    const until = Date.now() + 30_000;

    const attack = async () => {
      while (Date.now() < until) {
        const res = await callFrom(ATTACKER, 'GET', '/query?limit=10', { 'x-api-key': `ck_live_guess_${attacker.sent++}` });
        if (res.status === 401) attacker.unauthorized++;
        else if (res.status === 429) attacker.limited++;
        else attacker.other.push(res.status);
      }
    };
    const mind = async () => {
      let signups = 0;
      while (Date.now() < until) {
        // A sign-up every few seconds, within the per-address sign-up budget.
        const signUp = good.sent % 10 === 9 && signups < SIGNUPS_PER_MINUTE - 2;
        if (signUp) signups++;
        const res = signUp ? await signupFrom(BYSTANDER) : await callFrom(BYSTANDER, 'GET', '/query?limit=10', key);
        good.sent++;
        if (res.status === 200) good.ok++;
        else good.failures.push(`${res.status} ${JSON.stringify(res.body)}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    };
    await Promise.all([attack(), attack(), mind()]);

    expect(good.failures).toEqual([]);
    expect(good.sent).toBeGreaterThan(100);
    expect(attacker.other).toEqual([]);
    // The attacker got its budget of failures in the first window and was refused after it.
    expect(attacker.unauthorized).toBeLessThanOrEqual(2 * 30);
    expect(attacker.limited).toBeGreaterThan(attacker.unauthorized);
    // Its own good key is refused too while it waits (its address is limited, whatever it sends).
    const attackerKey = (await signupFrom(BYSTANDER)).body.api_key as string;
    const limited = await callFrom(ATTACKER, 'GET', '/query?limit=10', { 'x-api-key': attackerKey });
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
  }, 90_000);
});

describe('sign-ups', () => {
  it('are limited per client address', async () => {
    const results = [];
    for (let i = 0; i <= SIGNUPS_PER_MINUTE; i++) results.push((await signupFrom(ATTACKER)).status);
    expect(results.filter((s) => s === 200).length).toBeLessThanOrEqual(SIGNUPS_PER_MINUTE);
    expect(results.at(-1)).toBe(429);
    expect((await signupFrom('127.0.0.4')).status).toBe(200);
  });

  it('say what is wrong in our words', async () => {
    expect(await callFrom('127.0.0.5', 'POST', '/auth/signup', {}, { name: 'No Email' })).toMatchObject({ status: 422, body: { detail: 'email: is required (a string)' } });
    expect(await callFrom('127.0.0.5', 'POST', '/auth/signup', {}, { name: 'Bad', email: 'not-an-email' })).toMatchObject({
      status: 422,
      body: { detail: 'email: must be a valid email address' },
    });
  });
});

describe('Idempotency-Key', () => {
  it('a retry with the same key gets the same answer and is charged once', async () => {
    const user = await signupFrom('127.0.0.6');
    const key = { 'x-api-key': user.body.api_key as string, 'idempotency-key': 'report-42' };
    const first = await callFrom('127.0.0.6', 'GET', '/query?limit=250', key);
    const again = await callFrom('127.0.0.6', 'GET', '/query?limit=250', key);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body.data).toEqual(first.body.data);
    expect(again.body.metadata.credits_used).toBe(first.body.metadata.credits_used);
    expect((await admin().credits.balance.query({ userId: user.body.user_id })).balance).toBe(97);
    // The same for a record lookup.
    const lookup = { ...key, 'idempotency-key': 'lookup-1' };
    expect((await callFrom('127.0.0.6', 'GET', '/record/mary_smith_1', lookup)).status).toBe(200);
    expect((await callFrom('127.0.0.6', 'GET', '/record/mary_smith_1', lookup)).status).toBe(200);
    expect((await admin().credits.balance.query({ userId: user.body.user_id })).balance).toBe(96);
  });

  it('a key refused for lack of credits can be used again after a top-up', async () => {
    const user = await signupFrom('127.0.0.7');
    await admin().credits.set.mutate({ userId: user.body.user_id, balance: 1 });
    const key = { 'x-api-key': user.body.api_key as string, 'idempotency-key': 'big-report' };
    expect((await callFrom('127.0.0.7', 'GET', '/query?limit=500', key)).status).toBe(402);
    await admin().credits.recharge.mutate({ userId: user.body.user_id, amount: 10 });
    expect((await callFrom('127.0.0.7', 'GET', '/query?limit=500', key)).status).toBe(200);
    expect((await admin().credits.balance.query({ userId: user.body.user_id })).balance).toBe(6);
  });
});

describe('/admin/topup', () => {
  it('finds the user by the exact email, however many others contain it', async () => {
    const target = 'ann@example.com';
    // 210 users whose emails contain the target's, made before it: a search capped at 200 misses it.
    for (let i = 0; i < 210; i++) await admin().users.create.mutate({ email: `${i}${target}`, name: `Ann ${i}` });
    const ann = await admin().users.create.mutate({ email: target, name: 'Ann' });
    const res = await callFrom('127.0.0.8', 'POST', `/admin/topup?user_email=${encodeURIComponent('ANN@example.com')}&amount=7`, { 'x-admin-key': RECORDS_ADMIN });
    expect(res).toMatchObject({ status: 200, body: { user_id: ann.id, user_email: target, new_balance: 7 } });
  });
});

describe('validation', () => {
  it('bad query parameters are 422 in our words, not a library’s', async () => {
    const user = await signupFrom('127.0.0.9');
    const key = { 'x-api-key': user.body.api_key as string };
    expect(await callFrom('127.0.0.9', 'GET', '/query?limit=abc', key)).toMatchObject({ status: 422, body: { detail: 'limit: must be a whole number' } });
    expect(await callFrom('127.0.0.9', 'GET', '/query?offset=-1', key)).toMatchObject({ status: 422, body: { detail: 'offset: must be at least 0' } });
    expect((await callFrom('127.0.0.9', 'GET', '/record/%E0%A4%A', key)).status).toBe(400);
  });
});
