import { createCreditsClient } from '@credits/client';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPeople } from '../src/generate';
import { createDatabase, type Running, startCredits, startRecordsProcess } from './support/processes';

/**
 * The two services as two processes over loopback: the records service knows the credits service
 * only through the SDK and the URL it is given.
 */

const ADMIN = 'records-test-credits-admin-key';
const RECORDS_ADMIN = 'records-test-admin-key-0123';
const PEOPLE = 5_000;

let creditsDb: string;
let recordsDb: string;
let credits: Running;
let records: Running;
let creditsPort: string;
const admin = () => createCreditsClient({ url: credits.url, apiKey: ADMIN, retry: false });

beforeAll(async () => {
  [creditsDb, recordsDb] = await Promise.all([createDatabase('credits'), createDatabase('records')]);
  credits = await startCredits({ DATABASE_URL: creditsDb, ADMIN_API_KEY: ADMIN });
  creditsPort = new URL(credits.url).port;
  const serviceKey = await admin().apiKeys.create.mutate({ name: 'records service', scope: 'service' });
  records = await startRecordsProcess({
    CREDITS_URL: credits.url,
    CREDITS_API_KEY: serviceKey.key,
    RECORDS_DATABASE_URL: recordsDb,
    RECORDS_ADMIN_KEY: RECORDS_ADMIN,
  });
  const pool = new pg.Pool({ connectionString: recordsDb });
  await loadPeople(pool, PEOPLE);
  await pool.end();
}, 120_000);

afterAll(async () => {
  await records?.stop();
  await credits?.stop();
});

async function call(method: string, path: string, headers: Record<string, string> = {}, body?: unknown) {
  const res = await fetch(`${records.url}${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  // biome-ignore lint/suspicious/noExplicitAny: the tests read whatever JSON the service answered, field by field
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

let signups = 0;
async function signup() {
  const res = await call('POST', '/auth/signup', {}, { name: 'Reader', email: `reader${++signups}@example.com` });
  expect(res.status).toBe(200);
  return res.body as { user_id: number; api_key: string; credits: number };
}
const balance = async (userId: number) => (await admin().credits.balance.query({ userId })).balance;

describe('sign-up', () => {
  it('creates the user and a user key in the credits service, with 100 credits from an idempotent recharge', async () => {
    const res = await call('POST', '/auth/signup', {}, { name: 'John Smith', email: 'john@example.com' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ user_id: expect.any(Number), api_key: expect.stringMatching(/^ck_live_/), credits: 100 });
    const me = await createCreditsClient({ url: credits.url, apiKey: res.body.api_key }).auth.whoami.query();
    expect(me).toMatchObject({ kind: 'user', userId: res.body.user_id });
    const [grant] = (await admin().credits.transactions.query({ userId: res.body.user_id })).items;
    expect(grant).toMatchObject({ type: 'recharge', amount: 100, idempotencyKey: 'signup' });
    expect(await call('POST', '/auth/signup', {}, { name: 'Someone Else', email: 'JOHN@example.com' })).toEqual({ status: 409, body: { detail: 'Email already registered' } });
  });
});

describe('queries, charged as priced', () => {
  it('charges per started 100 of the limit asked for (clamped to 1000), and records each request', async () => {
    const user = await signup();
    const key = { 'x-api-key': user.api_key };
    const cases: [string, number, number][] = [
      ['/query', 1, 100], // default limit 100
      ['/query?limit=50', 1, 50],
      ['/query?limit=101', 2, 101],
      ['/query?limit=150&offset=10', 2, 150],
      ['/query?limit=1000', 10, 1000],
      ['/query?limit=5000', 10, 1000], // clamped
    ];
    let spent = 0;
    for (const [path, price, rows] of cases) {
      const res = await call('GET', path, key);
      expect(res.status, path).toBe(200);
      expect(res.body.data).toHaveLength(rows);
      expect(res.body.metadata).toMatchObject({ total_records: PEOPLE, credits_used: price, response_time_ms: expect.any(Number) });
      spent += price;
      expect(await balance(user.user_id)).toBe(100 - spent);
    }
    const usage = (await admin().usage.list.query({ userId: user.user_id, limit: 50 })).items;
    expect(usage.map((u) => u.creditsCharged).reverse()).toEqual(cases.map(([, price]) => price));
    expect(usage[0]).toMatchObject({ endpoint: '/query', eventType: 'records.query', transactionId: expect.any(Number), metadata: { limit: 1000, records_returned: 1000 } });
  });

  it('filters by partial name and email', async () => {
    const user = await signup();
    const res = await call('GET', '/query?name_like=mary%20smi&limit=10', { 'x-api-key': user.api_key });
    expect(res.status).toBe(200);
    expect(res.body.data.length).toBeGreaterThan(0);
    expect(res.body.data.every((p: { name: string }) => p.name === 'Mary Smith')).toBe(true);
    const byEmail = await call('GET', '/query?email_like=_42@&limit=10', { 'x-api-key': user.api_key });
    // _ is a character, not a wildcard: person 42 only (as a wildcard, _142@, _242@, ... would match too).
    expect(byEmail.body.data.map((p: { email: string }) => p.email)).toEqual(['kenji_johnson_42@example.com']);
  });

  it('a record lookup costs 1; a missing record costs nothing', async () => {
    const user = await signup();
    const key = { 'x-api-key': user.api_key };
    const found = await call('GET', '/record/mary_smith_1', key);
    expect(found).toEqual({ status: 200, body: { canonical_key: 'mary_smith_1', name: 'Mary Smith', email: 'mary_smith_1@example.com', phone: expect.any(String), dob: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) } });
    expect(await call('GET', '/record/nobody_here', key)).toEqual({ status: 404, body: { detail: 'Record not found' } });
    expect(await balance(user.user_id)).toBe(99);
    const usage = (await admin().usage.list.query({ userId: user.user_id })).items;
    expect(usage.map((u) => [u.eventType, u.creditsCharged])).toEqual([
      ['records.lookup.missing', 0],
      ['records.lookup', 1],
    ]);
  });

  it('without credits: 402 Insufficient Credits and nothing charged', async () => {
    const user = await signup();
    await admin().credits.set.mutate({ userId: user.user_id, balance: 3 });
    expect(await call('GET', '/query?limit=1000', { 'x-api-key': user.api_key })).toEqual({ status: 402, body: { detail: 'Insufficient Credits' } });
    expect(await balance(user.user_id)).toBe(3);
    expect((await call('GET', '/query?limit=300', { 'x-api-key': user.api_key })).status).toBe(200);
    expect(await balance(user.user_id)).toBe(0);
  });

  it('concurrent queries by one user never overspend', async () => {
    const user = await signup();
    await admin().credits.set.mutate({ userId: user.user_id, balance: 10 });
    const results = await Promise.all(Array.from({ length: 30 }, () => call('GET', '/query?limit=100', { 'x-api-key': user.api_key })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(10);
    expect(results.filter((r) => r.status === 402)).toHaveLength(20);
    expect(await balance(user.user_id)).toBe(0);
    expect((await admin().credits.reconcile.query()).ok).toBe(true);
  });

  it('refuses bad keys, and keys that are not a user’s', async () => {
    expect(await call('GET', '/query')).toEqual({ status: 401, body: { detail: 'Missing API key: send it in x-api-key' } });
    expect(await call('GET', '/query', { 'x-api-key': 'ck_live_nonsense' })).toEqual({ status: 401, body: { detail: 'Invalid API key' } });
    expect(await call('GET', '/query', { 'x-api-key': ADMIN })).toEqual({ status: 401, body: { detail: 'Invalid API key' } });
  });
});

describe('admin top-up', () => {
  it('needs the admin key, a positive amount and a known email', async () => {
    const user = await signup();
    const email = `reader${signups}@example.com`;
    const topup = (amount: string, headers: Record<string, string> = { 'x-admin-key': RECORDS_ADMIN }, who = email) =>
      call('POST', `/admin/topup?user_email=${encodeURIComponent(who)}&amount=${amount}`, headers);
    expect((await topup('500', { 'x-admin-key': 'wrong-key-0123456789' })).status).toBe(401);
    expect(await topup('-5')).toEqual({ status: 400, body: { detail: 'Amount must be positive' } });
    expect(await topup('0')).toEqual({ status: 400, body: { detail: 'Amount must be positive' } });
    expect((await topup('5', undefined, 'nobody@example.com')).status).toBe(404);
    expect(await topup('500')).toEqual({ status: 200, body: { message: 'Added 500 credits', user_id: user.user_id, user_email: email, new_balance: 600 } });
  });
});

describe('a credits-service outage', () => {
  it('makes /query fail with 503 and charge nothing; after recovery a retried request charges once', async () => {
    const user = await signup();
    const key = { 'x-api-key': user.api_key, 'idempotency-key': 'report-2031-01-01' };
    expect((await call('GET', '/query?limit=10', { 'x-api-key': user.api_key })).status).toBe(200); // whoami now cached
    await credits.stop('SIGKILL');

    const failed = await call('GET', '/query?limit=200', key);
    expect(failed).toEqual({ status: 503, body: { detail: 'The credits service is unavailable; nothing was charged. Try again.' } });

    credits = await startCredits({ DATABASE_URL: creditsDb, ADMIN_API_KEY: ADMIN, PORT: creditsPort });
    expect(await balance(user.user_id)).toBe(99); // the failed request charged nothing
    const retried = await call('GET', '/query?limit=200', key);
    expect(retried.status).toBe(200);
    expect(await call('GET', '/query?limit=200', key)).toMatchObject({ status: 200 }); // and again: the same key
    expect(await balance(user.user_id)).toBe(97);
  });
});

describe('isolation', () => {
  it('the records service holds connections to its own database and never to the credits database', async () => {
    const cluster = new pg.Client({ connectionString: creditsDb });
    await cluster.connect();
    const { rows } = await cluster.query<{ datname: string }>(`select datname from pg_stat_activity where application_name = 'credits-records'`);
    await cluster.end();
    const names = new Set(rows.map((r) => r.datname));
    expect(names).toEqual(new Set([new URL(recordsDb).pathname.slice(1)]));
  });
});
