/**
 * The console's screenshots in docs/images/: `pnpm --filter @credits/service screenshots` (after
 * `pnpm --filter @credits/console build`). Starts the service on a throwaway embedded database,
 * seeds 30 days of history through the procedures (users, daily grants, recharges, charged usage,
 * sessions, keys, a schema change), grant programs, a user's expiring buckets and a hold, and two webhook
 * endpoints (one whose receiver fails, with the retries shrunk to seconds), then photographs
 * each page in Chromium.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '@credits/runtime';
import { startApp } from '../src/app';
import { loadConfig } from '../src/config';
import { foldLedger } from '../src/domain/ledger-rollup';
import { query } from '../src/db/sql';
import { createContextInner } from '../src/trpc/context';
import { createCaller } from '../src/trpc/router';
import { launchBrowser } from '../test/support/browser';
import { startReceiver, until } from '../test/support/events';

const DAYS = 30;
const ADMIN_KEY = 'screenshots-admin-key-0123456789';
const out = path.resolve(import.meta.dirname, '../../../docs/images');

const FIRST = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Margaret', 'Ken', 'Frances', 'John', 'Radia', 'Linus', 'Katherine', 'Dennis', 'Hedy', 'Tim'];
const LAST = ['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth', 'Hamilton', 'Thompson', 'Allen', 'McCarthy', 'Perlman', 'Torvalds', 'Johnson', 'Ritchie', 'Lamarr', 'Berners-Lee'];
const EVENTS = ['ai_chat', 'api_call', 'tool_use', 'embedding'];
const MODELS = ['gpt-4o', 'claude-3.5-sonnet', 'llama-3-70b'];

// A fixed sequence, so the pictures show the same data each time.
let seed = 42;
const random = () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
  return seed / 2_147_483_648;
};
const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)]!;
const dayOf = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'credits-screenshots-'));
const config = { ...loadConfig({ PORT: '0', DATA_DIR: dataDir, ADMIN_API_KEY: ADMIN_KEY, LOG_LEVEL: 'warn', LEDGER_ROLLUP_INTERVAL_MS: '0', WEBHOOKS_ALLOW_PRIVATE: 'true', WEBHOOKS_BACKOFF_SCALE: '0.0001' }), dailyGrant: { ...loadConfig({}).dailyGrant, enabled: false } };
const app = await startApp(config, createLogger('warn'));
try {
  const em = () => app.deps.orm.em.fork();
  const admin = createCaller(createContextInner(app.deps, { principal: { kind: 'admin', keyId: null } }));

  const users = [];
  for (let i = 0; i < 48; i++) {
    const [first, last] = [FIRST[i % FIRST.length]!, LAST[(i * 7 + Math.floor(i / FIRST.length)) % LAST.length]!];
    users.push(await admin.users.create({ email: `${first}.${last}${i > 15 ? i : ''}@example.com`.toLowerCase(), name: `${first} ${last}`, externalId: `auth0|${100_000 + i * 37}` }));
  }
  const featured = users[1]!; // Grace
  const heavy = users.slice(0, 8);

  // 30 days, oldest first: each day's rows are written, then moved to that day (history, as the console would find it).
  for (let ago = DAYS - 1; ago >= 0; ago--) {
    const day = dayOf(ago);
    const mark = async (table: string) => (await query<{ last: string }>(em(), `select coalesce(max(id), 0)::text as last from ${table}`, []))[0]!.last;
    const [ledgerMark, usageMark, bucketMark] = [await mark('credit_transactions'), await mark('usage_records'), await mark('credit_buckets')];
    await admin.grants.runDaily({ date: day });
    for (const user of users) if (random() < 0.12 || (ago === DAYS - 1 && heavy.includes(user))) await admin.credits.recharge({ userId: user.id, amount: pick([10, 25, 50, 100]), referenceId: `pi_${day}_${user.id}` });
    for (const user of users) {
      const calls = heavy.includes(user) ? 2 + Math.floor(random() * 6) : random() < 0.3 ? 1 : 0;
      for (let c = 0; c < calls; c++) {
        const eventType = pick(EVENTS);
        await admin.usage
          .record({ userId: user.id, endpoint: `/v1/${eventType}`, eventType, modelName: pick(MODELS), creditsCharged: Math.round((0.2 + random() * 1.6) * 100) / 100, costUsd: Math.round(random() * 300) / 10_000, tokensUsed: Math.floor(200 + random() * 3000), charge: true })
          .catch(() => undefined); // refused for want of credits: that happens too
      }
    }
    // From 07:00 that day, but never later than now: a bucket moved into the future would not be effective yet.
    const spread = `least(($1::date + time '07:00') at time zone 'UTC' + (row_number() over (order by id)) * interval '37 seconds', now())`;
    await query(em(), `update credit_transactions t set created_at = s.at from (select id, ${spread} as at from credit_transactions where id > $2) s where t.id = s.id`, [day, ledgerMark]);
    await query(em(), `update usage_records t set created_at = s.at from (select id, ${spread} as at from usage_records where id > $2) s where t.id = s.id`, [day, usageMark]);
    await query(em(), `update credit_buckets t set created_at = s.at, effective_at = s.at from (select id, ${spread} as at from credit_buckets where id > $2) s where t.id = s.id`, [day, bucketMark]);
  }
  await admin.credits.set({ userId: users[5]!.id, balance: 40, reason: 'migrated from the old billing system' });

  for (const [title, turns] of [['Quarterly report draft', 4], ['Refactor the billing job', 3], ['Trip planning', 2]] as const) {
    const session = await admin.sessions.create({ userId: featured.id, title });
    const lines = ['How many credits did the report use so far?', 'About 14 credits across 9 calls, mostly gpt-4o.', 'Summarise the second section in three bullets.', '• Revenue grew 12%\n• Costs flat\n• Two new regions'];
    for (let i = 0; i < turns; i++) await admin.sessions.addMessage({ sessionId: session.sessionId, role: i % 2 ? 'assistant' : 'user', content: lines[i % lines.length]!, tokensUsed: 120 + i * 40 });
  }
  // Grant programs of one's own, run for their latest period (the disabled one not).
  await admin.programs.upsert({ name: 'monthly-allowance', amount: 100, schedule: '0 0 1 * *', mode: 'top_up_to', expiresAfter: 'P1M', priority: 20, category: 'promotional' });
  await admin.programs.upsert({ name: 'weekly-bonus', amount: 10, schedule: '0 9 * * 1', mode: 'add', expiresAfter: 'P14D', priority: 30, category: 'promotional' });
  await admin.programs.upsert({ name: 'holiday-gift', amount: 25, schedule: '0 0 24 12 *', mode: 'add', expiresAfter: 'P7D', category: 'promotional', enabled: false });
  for (const name of ['monthly-allowance', 'weekly-bonus']) await admin.programs.run({ name });
  // Grace's buckets: promotional credits expiring soon, and some that expired (written off at her next consume).
  const inDays = (days: number) => new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000 + days * 86_400_000);
  await admin.credits.recharge({ userId: featured.id, amount: 15, category: 'promotional', priority: 10, expiresAt: inDays(3), description: 'spring campaign' });
  await admin.credits.recharge({ userId: featured.id, amount: 40, category: 'promotional', expiresAt: inDays(10), description: 'referral reward' });
  await admin.credits.recharge({ userId: featured.id, amount: 5, category: 'promotional', expiresAt: new Date(Date.now() + 1_000), description: 'trial credits' });
  await new Promise((resolve) => setTimeout(resolve, 1_200));
  await admin.credits.consume({ userId: featured.id, amount: 2.5, description: 'report export' });
  await admin.credits.hold({ userId: featured.id, amount: 3, ttlSeconds: 3_600, description: 'a long chat reply, in progress' });

  await admin.apiKeys.create({ name: 'records service', scope: 'service' });
  await admin.apiKeys.create({ name: 'billing webhooks', scope: 'service' });
  await admin.apiKeys.create({ name: 'ops admin', scope: 'admin' });
  const graceKey = await admin.apiKeys.create({ name: "Grace's laptop", scope: 'user', userId: featured.id });
  await admin.schema.addColumn({ table: 'users', column: { name: 'company', type: 'VARCHAR(120)', nullable: true } });
  await admin.schema.createTable({ table: 'invoices', columns: [{ name: 'id', type: 'INT AUTO_INCREMENT PRIMARY KEY' }, { name: 'user_id', type: 'INT' }, { name: 'total', type: 'DECIMAL(12,2)' }] });
  while ((await foldLedger(em())).progressed);

  const secrets = { billing: '', crm: '' };
  const billing = await startReceiver(() => secrets.billing);
  const crm = await startReceiver(() => secrets.crm, () => 500);
  secrets.billing = (await admin.webhooks.create({ url: billing.url, events: ['transaction.created', 'balance.low', 'balance.depleted'], description: 'billing: invoice lines' })).secret;
  const failing = await admin.webhooks.create({ url: crm.url, events: ['balance.low', 'balance.depleted', 'balance.recovered'], description: 'CRM sync (its receiver is down)' });
  secrets.crm = failing.secret;
  await admin.alerts.set({ userId: featured.id, lowBalance: 100 });
  await admin.credits.consume({ userId: featured.id, amount: 1, description: 'report export' });
  // Three users spend their last credits: depleted, which the CRM's endpoint is told of (and fails to take).
  for (const user of users.slice(8, 11)) await admin.credits.consume({ userId: user.id, amount: (await admin.credits.balance({ userId: user.id })).available, description: 'batch export' });
  const pending = async () => (await admin.webhooks.deliveries({ endpointId: failing.endpointId, status: 'pending' })).items.length;
  await until(async () => billing.byId.size >= 4 && crm.attempts.size >= 3 && (await pending()) === 0, 60_000, 'the deliveries to end');

  await fs.mkdir(out, { recursive: true });
  const browser = await launchBrowser();
  try {
    type Page = import('playwright-core').Page;
    /** `frame`: the whole page, the window as one sees it (a dialog over the page), or one part of the page. */
    const shoot = async (token: string, address: string, heading: RegExp | string, file: string, before?: (page: Page) => Promise<void>, frame: 'page' | 'window' | ((page: Page) => import('playwright-core').Locator) = 'page') => {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width: 1360, height: 900 });
      await page.goto(`${app.url}/console`);
      await page.getByLabel('API key or JWT').fill(token);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('button', { name: 'Sign out' }).waitFor();
      await page.goto(`${app.url}${address}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await page.locator('main[aria-busy="false"]').waitFor();
      await before?.(page);
      await page.waitForTimeout(300);
      const to = path.join(out, file);
      await (typeof frame === 'function' ? frame(page).screenshot({ path: to }) : page.screenshot({ path: to, fullPage: frame === 'page' }));
      console.log(`wrote docs/images/${file}`);
      await page.close();
    };
    await shoot(ADMIN_KEY, '/console/', 'Overview', 'console-overview.png');
    await shoot(ADMIN_KEY, '/console/users', 'Users', 'console-users.png');
    await shoot(ADMIN_KEY, `/console/users/${featured.id}`, featured.name, 'console-user.png', async (page) => {
      await page.getByRole('button', { name: /^Quarterly report draft/ }).click();
      await page.getByText('About 14 credits').waitFor();
    });
    await shoot(ADMIN_KEY, `/console/users/${featured.id}`, featured.name, 'console-recharge.png', async (page) => {
      await page.getByRole('button', { name: 'Recharge', exact: true }).click();
      await page.getByRole('dialog').getByLabel('Amount').fill('50');
    }, 'window');
    await shoot(ADMIN_KEY, '/console/api-keys', 'API keys', 'console-api-keys.png');
    await shoot(ADMIN_KEY, `/console/users/${featured.id}`, featured.name, 'console-buckets.png', undefined, (page) => page.locator('section', { has: page.getByRole('heading', { name: 'Buckets' }) }));
    await shoot(ADMIN_KEY, '/console/programs', 'Programs', 'console-programs.png');
    await shoot(ADMIN_KEY, '/console/programs', 'Programs', 'console-program-edit.png', async (page) => {
      await page.getByRole('button', { name: 'Edit weekly-bonus' }).click();
      await page.getByRole('dialog').getByLabel('Schedule (cron, UTC)').fill('0 25 * * 1');
      await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
      await page.getByRole('dialog').locator('.field-error').waitFor();
    }, 'window');
    await shoot(ADMIN_KEY, `/console/webhooks?endpoint=${failing.endpointId}`, 'Webhooks', 'console-webhooks.png');
    await shoot(ADMIN_KEY, '/console/schema', 'Schema changes', 'console-schema.png');
    await shoot(graceKey.key, '/console/me', /^Your credits/, 'console-self-service.png');
  } finally {
    await browser.close();
  }
  await billing.close();
  await crm.close();
} finally {
  await app.close();
  await fs.rm(dataDir, { recursive: true, force: true });
}
