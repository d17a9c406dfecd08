/// <reference lib="dom" />
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, launchBrowser } from '../support/browser';
import { startReceiver } from '../support/events';
import { seedUsers } from '../support/seed';
import { startTestService, TEST_ADMIN_KEY, type TestService, testConfig } from '../support/service';

/**
 * The console in Chromium against the real service: an operator signs in, creates a user, tops
 * them up and sees the balance and the charts move; a revoked key is refused at its next request;
 * a user sees only itself; a double-clicked recharge charges once; buckets and their expiry on a
 * user's page; grant programs created, refused field by field, run (and followed while running),
 * edited and removed; webhook endpoints added (the secret shown once), their deliveries followed,
 * a failed one redelivered; no page has a serious or critical accessibility violation.
 */

let service: TestService;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

describeInBrowser('the console in a browser', () => {
  beforeAll(async () => {
    // The rollups folded as in production, every half second; a webhook's eight attempts in about ten seconds, not 27 hours.
    service = await startTestService({ ledgerRollupIntervalMs: 500, webhooks: { ...testConfig().webhooks, backoffScale: 0.0001 } });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  /** A new tab (its own sessionStorage), signed in with `token` on `on`; it fails on any request leaving the service. */
  async function signedIn(token: string, on: TestService = service): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(on.url) && !request.url().startsWith('data:')) throw new Error(`request off the service: ${request.url()}`);
    });
    await page.goto(`${on.url}/console`);
    await page.getByLabel('API key or JWT').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  }

  /** Every read the page started has answered (`main` is aria-busy while any is in flight). */
  const settled = (page: Page) => page.locator('main[aria-busy="false"]').waitFor();

  const chartTotal = async (page: Page, title: string) =>
    Number(await page.locator('figure.chart', { has: page.locator('figcaption', { hasText: title }) }).getAttribute('data-total'));

  async function recharge(page: Page, amount: string) {
    await page.getByRole('button', { name: 'Recharge', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Amount').fill(amount);
    await dialog.getByRole('button', { name: 'Recharge' }).click();
    await dialog.waitFor({ state: 'detached' });
  }

  it('an admin signs in, creates a user, recharges, and sees the balance and the charts change', async () => {
    const page = await signedIn(TEST_ADMIN_KEY);
    await expect.poll(() => page.getByTestId('principal').textContent()).toBe('admin');
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    const before = await chartTotal(page, 'Credits per day');

    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('button', { name: 'New user' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Email').fill('grace@console.test');
    await dialog.getByLabel('Name').fill('Grace Hopper');
    await dialog.getByLabel('External id (optional)').fill('auth0|grace');
    await dialog.getByRole('button', { name: 'Create user' }).click();
    await page.getByRole('heading', { name: 'Grace Hopper' }).waitFor();
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('0');

    await recharge(page, '25.5');
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('25.5');
    await page.getByRole('table', { name: 'Ledger rows' }).getByText('+25.5').waitFor();

    // Spent elsewhere (a service through the SDK): the open page shows it without a reload.
    const [grace] = (await service.client().users.list.query({ search: 'auth0|grace' })).items;
    await service.client().usage.record.mutate({ userId: grace!.id, endpoint: '/chat', eventType: 'ai_chat', modelName: 'gpt-4', creditsCharged: 4, charge: true });
    await expect.poll(() => page.getByTestId('balance').textContent(), { timeout: 10_000 }).toBe('21.5');
    await page.reload(); // the usage charts are read once per visit
    await expect.poll(() => chartTotal(page, 'Credits per day by event type')).toBe(4);
    await expect.poll(() => chartTotal(page, 'Credits per day by model')).toBe(4);

    // Search finds her by external id; the overview counts her recharge and her consume.
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByLabel('Search by email, name or external id').fill('AUTH0|GRACE');
    await page.getByRole('link', { name: 'Grace Hopper' }).waitFor();
    await page.getByRole('link', { name: 'Overview' }).click();
    await expect.poll(() => chartTotal(page, 'Credits per day')).toBe(before + 25.5 + 4);
    await page.getByRole('table').getByRole('link', { name: 'Grace Hopper' }).waitFor(); // a top consumer
    await page.close();
  });

  it('a revoked key is refused at its next request', async () => {
    const admin = await signedIn(TEST_ADMIN_KEY);
    await admin.getByRole('link', { name: 'API keys' }).click();
    await admin.getByRole('button', { name: 'New API key' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('Name').fill('ops dashboard');
    await dialog.getByLabel('Scope').selectOption('service');
    await dialog.getByRole('button', { name: 'Create key' }).click();
    const key = (await admin.getByTestId('new-key').textContent())!;
    expect(key).toMatch(/^ck_live_/);

    const ops = await signedIn(key);
    await expect.poll(() => ops.getByTestId('principal').textContent()).toBe('service');
    await ops.getByRole('link', { name: 'Users' }).click();
    await ops.getByRole('heading', { name: 'Users' }).waitFor();
    // A service runs users but not keys: no such page for it.
    expect(await ops.getByRole('link', { name: 'API keys' }).count()).toBe(0);

    await admin.getByRole('button', { name: 'Revoke ops dashboard' }).click();
    await admin.getByRole('dialog').getByRole('button', { name: 'Revoke' }).click();
    await admin.getByRole('button', { name: 'Revoke ops dashboard' }).waitFor({ state: 'detached' }); // gone from the list of live keys

    await ops.getByRole('link', { name: 'Overview' }).click();
    await ops.getByText('The service refused this credential (revoked or expired). Sign in again.').waitFor();
    expect(await ops.evaluate(() => sessionStorage.length)).toBe(0);
    await admin.close();
    await ops.close();
  });

  it('a user sees only its own credits and holds, live through the stream, and has no way to another user or to a recharge', async () => {
    const other = await service.newUser({ balance: 99 });
    const me = await service.newUser({ balance: 10 });
    const key = await service.caller().apiKeys.create({ name: 'me', scope: 'user', userId: me.id });
    const page = await signedIn(key.key);
    await page.getByRole('heading', { name: /^Your credits/ }).waitFor();
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('10');

    const nav = await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allTextContents();
    expect(nav).toEqual(['My credits']);
    for (const name of ['Recharge', 'Consume', 'Set balance', 'Reset', 'New API key', 'New user']) {
      expect(await page.getByRole('button', { name }).count(), name).toBe(0);
    }
    // Another user's page by its address: there is no such page for a user; it lands on its own.
    for (const address of [`/console/users/${other.id}`, '/console/users', '/console/api-keys', '/console/']) {
      await page.goto(`${service.url}${address}`);
      await page.getByRole('heading', { name: /^Your credits/ }).waitFor();
      expect(await page.getByText(other.email).count()).toBe(0);
      await expect.poll(() => page.getByTestId('balance').textContent()).toBe('10'); // its own, not the other's 99
    }
    // A hold placed by a service: what it reserves is held, not available.
    await service.caller().credits.hold({ userId: me.id, amount: 1, description: 'chat reply' });
    await page.reload();
    await expect.poll(() => page.getByTestId('available').textContent()).toBe('Available 9 · held 1');
    await page.getByRole('table', { name: 'Active holds' }).getByRole('cell', { name: 'chat reply' }).waitFor();
    // Spent by a service: the user's page follows without a reload, through the balance stream (on
    // its own the page reads the balance again only every 30 s).
    await service.caller().credits.consume({ userId: me.id, amount: 2.5 });
    await expect.poll(() => page.getByTestId('balance').textContent(), { timeout: 5_000 }).toBe('7.5');
    expect(await page.getByTestId('available').textContent()).toBe('Available 6.5 · held 1');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('API key or JWT').waitFor();
    expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
    await page.close();
  });

  it('a double-clicked recharge charges once, and a double-clicked new key makes one', async () => {
    const user = await service.newUser();
    const page = await signedIn(TEST_ADMIN_KEY);
    await page.goto(`${service.url}/console/users/${user.id}`);
    await page.getByRole('button', { name: 'Recharge', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Amount').fill('7');
    // The calls sent (the SDK may batch both into one request), each with its idempotency key.
    const keys: string[] = [];
    page.on('request', (r) => {
      if (!r.url().includes('credits.recharge')) return;
      const batch = JSON.parse(r.postData() ?? '{}') as Record<string, { json: { idempotencyKey: string } }>;
      keys.push(...Object.values(batch).map((call) => call.json.idempotencyKey));
    });
    const opened = await dialog.locator('form').getAttribute('data-idempotency-key');
    // Two clicks in one task: both submit before the page can re-render (a real double click can).
    await dialog.getByRole('button', { name: 'Recharge' }).evaluate((button: HTMLButtonElement) => {
      button.click();
      button.click();
    });
    await dialog.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('7');
    expect(keys).toEqual([opened, opened]); // both reached the service, with the key made when the dialog opened
    const { items } = await service.caller().credits.transactions({ userId: user.id });
    expect(items.map((t) => [t.type, t.amount])).toEqual([['recharge', 7]]);

    // A new key cannot be replayed (its secret is never stored): the dialog takes one submit at a time.
    await page.getByRole('button', { name: 'New API key' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Create key' }).evaluate((button: HTMLButtonElement) => {
      button.click();
      button.click();
    });
    await page.getByTestId('new-key').waitFor();
    const made = (await service.caller().apiKeys.list({ limit: 200 })).items.filter((k) => k.userId === user.id);
    expect(made).toHaveLength(1);
    await page.close();
  });

  /** A time as the console shows it (UTC, to the second). */
  const shown = (d: Date) => `${new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }).format(d)} UTC`;
  const row = (page: Page, table: string, text: string | RegExp) => page.getByRole('table', { name: table }).getByRole('row').filter({ hasText: text });
  const bucketRow = (page: Page, id: number) => row(page, 'Buckets', new RegExp(`^#${id}(?!\\d)`));

  it('an admin recharges promotional credits expiring soon and sees the bucket, its expiry, and what the ledger drew from it', async () => {
    const user = await service.newUser({ balance: 10 });
    const page = await signedIn(TEST_ADMIN_KEY);
    await page.goto(`${service.url}/console/users/${user.id}`);
    await expect.poll(() => page.getByTestId('next-expiry').textContent()).toBe('No credits expire.');

    const expiresAt = new Date(Math.floor(Date.now() / 60_000) * 60_000 + 2 * 86_400_000); // in two days, to the minute
    await page.getByRole('button', { name: 'Recharge', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Amount').fill('15');
    await dialog.getByLabel('Category').selectOption('promotional');
    await dialog.getByLabel('Priority (optional)').fill('10');
    await dialog.getByLabel('Expires at (UTC, optional)').fill(expiresAt.toISOString().slice(0, 16));
    await dialog.getByRole('button', { name: 'Recharge' }).click();
    await dialog.waitFor({ state: 'detached' });

    await expect.poll(() => page.getByTestId('balance').textContent()).toBe('25');
    await expect.poll(() => page.getByTestId('next-expiry').textContent()).toBe(`Next expiry: 15 credits on ${shown(expiresAt)} (in 2 days)`);
    const [promo] = (await service.caller().credits.buckets({ userId: user.id })).items.filter((b) => b.category === 'promotional');
    expect(promo).toMatchObject({ amount: 15, priority: 10, expiresAt });
    const bucket = bucketRow(page, promo!.id);
    await expect.poll(() => bucket.getByRole('cell').allTextContents()).toEqual([`#${promo!.id}`, 'promotional', '10', '15 of 15', shown(promo!.effectiveAt), shown(expiresAt), 'recharge', 'live']);
    // The timeline: what expires when, and how much.
    const timeline = page.getByTestId('expiry-timeline');
    await timeline.locator(`time[datetime="${expiresAt.toISOString()}"]`).waitFor();
    expect(await timeline.getByRole('listitem').allTextContents()).toEqual([`15 credits expire ${shown(expiresAt)} (in 2 days), from bucket #${promo!.id} (promotional)`]);
    expect(await timeline.textContent()).toContain('10 credits never expire.');
    await row(page, 'Ledger rows', '+15').getByText(`15 into bucket #${promo!.id} (promotional)`).waitFor();

    // A bucket that expires in a moment, written off at the next change (a consume, which draws on priority 10 first).
    const brief = await service.caller().credits.recharge({ userId: user.id, amount: 3, category: 'promotional', expiresAt: new Date(Date.now() + 1_500) });
    const [briefBucket] = brief.allocations;
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    await service.caller().credits.consume({ userId: user.id, amount: 1 });
    await expect.poll(() => page.getByTestId('balance').textContent(), { timeout: 10_000 }).toBe('24');
    await row(page, 'Ledger rows', /expire/).getByText(`3 from bucket #${briefBucket!.bucketId} (promotional)`).waitFor();
    await row(page, 'Ledger rows', /consume/).getByText(`1 from bucket #${promo!.id} (promotional)`).waitFor();
    await page.getByLabel('Type').selectOption('expire');
    await expect.poll(() => page.getByRole('table', { name: 'Ledger rows' }).locator('tbody tr td:nth-child(2)').allTextContents()).toEqual(['expire']);

    // Spent and expired buckets on request; the live ones by default.
    expect(await bucketRow(page, briefBucket!.bucketId).count()).toBe(0);
    await page.getByLabel('Show spent and expired buckets').check();
    await expect.poll(() => bucketRow(page, briefBucket!.bucketId).getByRole('cell').last().textContent()).toBe('expired');
    await page.close();
  });

  it('an admin creates a program (the service refusing a field says so beside it), runs it, sees the run, edits and removes it', async () => {
    const user = await service.newUser();
    const page = await signedIn(TEST_ADMIN_KEY);
    await page.getByRole('link', { name: 'Programs' }).click();
    await page.getByRole('heading', { name: 'Programs', level: 1 }).waitFor();
    // The built-in daily grant: listed first, marked, run but not edited or removed.
    const daily = row(page, 'Programs', /^daily/);
    await expect.poll(() => daily.getByRole('cell').first().textContent()).toMatch(/^dailybuilt-in/);
    expect(await page.getByRole('table', { name: 'Programs' }).locator('tbody tr').first().textContent()).toMatch(/^daily/);
    expect(await daily.getByRole('button', { name: 'Run daily now' }).count()).toBe(1);
    expect(await page.getByRole('button', { name: /^(Edit|Remove) daily$/ }).count()).toBe(0);

    await page.getByRole('button', { name: 'New program' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Name').fill('console-bonus');
    await dialog.getByLabel('Amount').fill('3');
    await dialog.getByLabel('Mode').selectOption('add');
    await dialog.getByLabel('Schedule (cron, UTC)').fill('0 25 * * *');
    await dialog.getByLabel('Expires after (optional)').fill('7 days');
    await dialog.getByLabel('Priority (optional)').fill('20');
    await dialog.getByRole('button', { name: 'Create program' }).click();
    // The contract refuses the duration first (INVALID_INPUT), beside its field, which takes the focus.
    const expiresAfter = dialog.getByLabel('Expires after (optional)');
    await expect.poll(() => expiresAfter.getAttribute('aria-invalid')).toBe('true');
    expect(await expiresAfter.evaluate((input) => input === document.activeElement)).toBe(true);
    expect(await dialog.getByText('must be an ISO 8601 duration such as P1M, P30D or PT12H').count()).toBe(1);
    expect(await dialog.getByRole('alert').textContent()).toBe('Not done: correct the fields marked above.');
    await expiresAfter.fill('P7D');
    await dialog.getByRole('button', { name: 'Create program' }).click();
    // Then the service's own check of the schedule, beside the schedule, and the duration's error gone.
    const schedule = dialog.getByLabel('Schedule (cron, UTC)');
    await expect.poll(() => schedule.getAttribute('aria-invalid')).toBe('true');
    const scheduleError = await schedule.evaluate((input) => document.getElementById(input.getAttribute('aria-describedby')!.split(' ').at(-1)!)!.textContent);
    expect(scheduleError).toMatch(/^not a cron expression/);
    expect(await expiresAfter.getAttribute('aria-invalid')).toBeNull();
    await schedule.fill('0 0 * * *');
    await dialog.getByRole('button', { name: 'Create program' }).click();
    await dialog.waitFor({ state: 'detached' });
    const bonus = row(page, 'Programs', /^console-bonus/);
    await expect.poll(() => bonus.getByRole('cell').allTextContents().then((cells) => cells.slice(0, 7))).toEqual(['console-bonus', 'add', '3', '0 0 * * *', 'P7D', 'promotional', '20']);

    await bonus.getByRole('button', { name: 'Run console-bonus now' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Run now' }).click();
    const period = new Date(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const result = page.getByTestId('run-result');
    await expect.poll(() => result.textContent()).toMatch(new RegExp(`^console-bonus, period ${shown(period)}: completed\\. [\\d,]+ users granted [\\d,]+ credits now, 0 already had the grant\\. \\d+ ms\\.$`));
    await expect.poll(() => row(page, 'Program runs', /^console-bonus/).getByRole('cell').allTextContents().then((cells) => cells.slice(0, 3))).toEqual(['console-bonus', shown(period), 'completed']);
    // The user it paid has a bucket of the program's terms.
    const [paid] = (await service.caller().credits.buckets({ userId: user.id })).items;
    expect(paid).toMatchObject({ amount: 3, category: 'promotional', priority: 20, source: 'program:console-bonus', expiresAt: new Date(period.getTime() + 7 * 86_400_000) });

    await bonus.getByRole('button', { name: 'Edit console-bonus' }).click();
    expect(await page.getByRole('dialog').getByLabel('Name').getAttribute('readonly')).not.toBeNull();
    await page.getByRole('dialog').getByLabel('Amount').fill('4');
    await page.getByRole('dialog').getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => bonus.getByRole('cell').nth(2).textContent()).toBe('4');
    expect((await service.caller().programs.list()).find((p) => p.name === 'console-bonus')).toMatchObject({ amount: 4, schedule: '0 0 * * *', expiresAfter: 'P7D', priority: 20 });

    await bonus.getByRole('button', { name: 'Remove console-bonus' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await bonus.waitFor({ state: 'detached' });
    expect((await service.caller().programs.list()).map((p) => p.name)).not.toContain('console-bonus');
    await page.close();
  });

  it('an admin adds a webhook endpoint, sees its secret once and its deliveries, and redelivers one that failed', async () => {
    let secret = '';
    let failing = false;
    const receiver = await startReceiver(
      () => secret,
      () => (failing ? 500 : 204),
    );
    const user = await service.newUser();
    const page = await signedIn(TEST_ADMIN_KEY);
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();

    await page.getByRole('button', { name: 'New endpoint' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('URL').fill(receiver.url);
    await dialog.getByLabel('Description (optional)').fill('console test');
    // No event chosen: refused beside the events, the first of which takes the focus.
    await dialog.getByRole('button', { name: 'Create endpoint' }).click();
    const transactions = dialog.getByLabel('transaction.created');
    await expect.poll(() => transactions.getAttribute('aria-invalid')).toBe('true');
    expect(await transactions.evaluate((input) => input === document.activeElement)).toBe(true);
    await transactions.check();
    await dialog.getByRole('button', { name: 'Create endpoint' }).click();
    await dialog.waitFor({ state: 'detached' });
    secret = (await page.getByTestId('new-key').textContent())!;
    expect(secret).toMatch(/^whsec_/);
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.getByText(secret).count()).toBe(0); // shown once: nowhere on the page now
    const [endpoint] = (await service.caller().webhooks.list()).filter((e) => e.url === receiver.url);
    const id = endpoint!.endpointId;
    const endpointRow = row(page, 'Webhook endpoints', new RegExp(`^#${id}(?!\\d)`));
    expect(await endpointRow.getByRole('cell').allTextContents().then((cells) => cells.slice(0, 5))).toEqual([`#${id}`, receiver.url, 'transaction.created', 'console test', 'enabled']);
    await endpointRow.getByRole('link', { name: `Deliveries to #${id}` }).click();
    await page.getByText('No deliveries.').waitFor();

    // A recharge: delivered, and the list follows without a reload.
    await service.caller().credits.recharge({ userId: user.id, amount: 5 });
    const deliveries = page.getByRole('table', { name: 'Deliveries' }).locator('tbody tr');
    const statuses = () => deliveries.locator('td:nth-child(4)').allTextContents();
    await expect.poll(statuses, { timeout: 15_000 }).toEqual(['succeeded']);
    expect(receiver.byId.size).toBe(1);

    // The receiver fails every attempt: after the last, the delivery is failed.
    failing = true;
    await service.caller().credits.recharge({ userId: user.id, amount: 1 });
    await page.getByLabel('Status').selectOption('failed');
    await expect.poll(statuses, { timeout: 45_000 }).toEqual(['failed']);
    expect(await deliveries.first().getByRole('cell').allTextContents().then((cells) => cells.slice(2, 6))).toEqual([`#${user.id}`, 'failed', '8', 'answered 500']);

    // The overview says so, and links to the endpoint's failed deliveries.
    await page.getByRole('link', { name: 'Overview' }).click();
    const failures = page.getByRole('region', { name: 'Webhook failures' });
    await expect.poll(() => failures.getByTestId('webhook-failures').textContent()).toBe('Failed after their last attempt: 1');
    await failures.getByRole('link', { name: `transaction.created for user #${user.id} to endpoint #${id}` }).click();
    await expect.poll(statuses).toEqual(['failed']);
    expect(await page.getByLabel('Status').inputValue()).toBe('failed');

    // Redelivered once the receiver answers again: delivered.
    failing = false;
    await deliveries.first().getByRole('button', { name: /^Redeliver #/ }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Redeliver' }).click();
    await page.getByLabel('Status').selectOption('');
    await expect.poll(statuses, { timeout: 15_000 }).toEqual(['succeeded', 'succeeded']);
    expect(receiver.byId.size).toBe(2);
    expect(receiver.bad).toEqual([]);
    await page.getByRole('link', { name: 'Overview' }).click();
    await page.getByRole('region', { name: 'Webhook failures' }).getByText('No delivery has failed.').waitFor();

    // A rotated secret is shown once too; disabled, the endpoint stays listed.
    await page.getByRole('link', { name: 'Webhooks' }).click();
    await endpointRow.getByRole('button', { name: `Rotate the secret of endpoint #${id}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Rotate' }).click();
    await expect.poll(() => page.getByTestId('new-key').textContent()).toMatch(/^whsec_/);
    expect(await page.getByTestId('new-key').textContent()).not.toBe(secret);
    await endpointRow.getByRole('button', { name: `Disable endpoint #${id}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
    await expect.poll(() => endpointRow.getByRole('cell').nth(4).textContent()).toBe('disabled');
    expect((await service.caller().webhooks.list()).find((e) => e.endpointId === id)?.enabled).toBe(false);

    // Another endpoint, removed behind its confirmation.
    const other = await service.caller().webhooks.create({ url: `${receiver.url}/other`, events: ['balance.low'] });
    await page.reload();
    await page.getByRole('button', { name: `Remove endpoint #${other.endpointId}` }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Remove' }).click();
    await page.getByRole('button', { name: `Remove endpoint #${other.endpointId}` }).waitFor({ state: 'detached' });
    expect((await service.caller().webhooks.list()).map((e) => e.endpointId)).toEqual([id]);
    await page.close();
    await receiver.close();
  });

  it('a run longer than a call shows as running, with its progress, until it completes', async () => {
    const slow = await startTestService({ timeouts: { ...testConfig().timeouts, requestTimeoutMs: 2_000 }, dailyGrant: { ...testConfig().dailyGrant, enabled: false, chunkSize: 1 } });
    try {
      await seedUsers(slow.databaseUrl, 1_500);
      await slow.caller().programs.upsert({ name: 'slow', amount: 1, schedule: '0 0 * * *', mode: 'add' });
      const page = await signedIn(TEST_ADMIN_KEY, slow);
      await page.goto(`${slow.url}/console/programs`);
      await page.getByRole('button', { name: 'Run slow now' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Run now' }).click();
      const result = page.getByTestId('run-result');
      await expect.poll(() => result.textContent(), { timeout: 10_000 }).toMatch(/^slow, period .*: running: \d+ users granted so far…$/);
      const soFar = async () => Number((await result.textContent())!.match(/running: (\d+) users/)?.[1] ?? 1_500);
      const first = await soFar();
      await expect.poll(soFar, { timeout: 30_000 }).toBeGreaterThan(first); // it moves on without another click
      await expect.poll(() => result.textContent(), { timeout: 60_000 }).toMatch(/: completed: \d+ users granted\.$/);
      await expect.poll(() => row(page, 'Program runs', /^slow/).first().getByRole('cell').nth(2).textContent()).toBe('completed');
      expect((await slow.caller().credits.reconcile()).ok).toBe(true);
      await page.close();
    } finally {
      await slow.close();
    }
  });

  it('a user sees its own buckets and next expiry, read-only, and has no program page', async () => {
    const me = await service.newUser({ balance: 5 });
    const expiresAt = new Date(Math.floor(Date.now() / 1000) * 1000 + 3 * 3_600_000);
    const promo = await service.caller().credits.recharge({ userId: me.id, amount: 2, category: 'promotional', expiresAt });
    const key = await service.caller().apiKeys.create({ name: 'me', scope: 'user', userId: me.id });
    const page = await signedIn(key.key);
    await page.getByRole('heading', { name: /^Your credits/ }).waitFor();
    await expect.poll(() => page.getByTestId('next-expiry').textContent()).toBe(`Next expiry: 2 credits on ${shown(expiresAt)} (in 3 hours)`);
    await bucketRow(page, promo.allocations[0]!.bucketId).getByText('promotional').waitFor();
    await page.getByTestId('expiry-timeline').getByText(`2 credits expire ${shown(expiresAt)}`).waitFor();
    expect(await page.getByRole('table', { name: 'Buckets' }).locator('tbody tr').count()).toBe(2);
    expect(await page.getByRole('link', { name: 'Programs' }).count()).toBe(0);
    for (const name of [/^Run /, /^Edit /, /^Remove /, 'New program', 'Recharge']) expect(await page.getByRole('button', { name }).count(), String(name)).toBe(0);
    await page.goto(`${service.url}/console/programs`);
    await page.getByRole('heading', { name: /^Your credits/ }).waitFor(); // no such page for a user: it lands on its own
    expect(await page.getByRole('heading', { name: 'Programs' }).count()).toBe(0);
    await page.close();
  });

  it('has no serious or critical accessibility violation on any page', async () => {
    const grace = (await service.caller().users.list({ search: 'auth0|grace' })).items[0]!;
    const session = await service.caller().sessions.create({ userId: grace.id, title: 'Planning' });
    await service.caller().sessions.addMessage({ sessionId: session.sessionId, role: 'user', content: 'How many credits are left?' });
    const userKey = await service.caller().apiKeys.create({ name: 'grace', scope: 'user', userId: grace.id });
    // Buckets that expire, so the user pages draw the timeline.
    await service.caller().credits.recharge({ userId: grace.id, amount: 5, category: 'promotional', expiresAt: new Date(Date.now() + 5 * 86_400_000) });
    await service.caller().credits.recharge({ userId: grace.id, amount: 2, category: 'promotional', priority: 10, expiresAt: new Date(Date.now() + 12 * 86_400_000) });
    // The endpoint the webhooks test left, with its deliveries: the webhooks page draws both tables.
    const [webhook] = await service.caller().webhooks.list();

    const check = async (page: Page, where: string) => {
      const { violations } = await new AxeBuilder({ page }).analyze();
      const bad = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${where}: ${v.id} (${v.impact}) ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      expect(bad).toEqual([]);
    };

    const anonymous = await browser.context.newPage();
    await anonymous.goto(`${service.url}/console`);
    await anonymous.getByLabel('API key or JWT').waitFor();
    await check(anonymous, 'sign-in');
    await anonymous.close();

    const admin = await signedIn(TEST_ADMIN_KEY);
    const pages: [string, string][] = [
      ['/console/', 'Overview'],
      ['/console/users', 'Users'],
      [`/console/users/${grace.id}`, 'Grace Hopper'],
      ['/console/api-keys', 'API keys'],
      ['/console/programs', 'Programs'],
      [`/console/webhooks?endpoint=${webhook!.endpointId}`, 'Webhooks'],
      ['/console/schema', 'Schema changes'],
    ];
    for (const [address, heading] of pages) {
      await admin.goto(`${service.url}${address}`);
      await admin.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await settled(admin);
      await check(admin, address);
    }
    // The user page with a session open and a dialog open.
    await admin.goto(`${service.url}/console/users/${grace.id}`);
    await admin.getByRole('button', { name: /^Planning/ }).click();
    await admin.getByText('How many credits are left?').waitFor();
    await admin.getByTestId('expiry-timeline').getByRole('listitem').nth(1).waitFor();
    await admin.getByLabel('Show spent and expired buckets').check();
    await check(admin, 'user with messages, the expiry timeline and every bucket');
    await admin.getByRole('button', { name: 'Recharge', exact: true }).click();
    await check(admin, 'recharge dialog');
    // A dialog with the service's refusal beside a field.
    await admin.goto(`${service.url}/console/programs`);
    await admin.getByRole('button', { name: 'New program' }).click();
    const dialog = admin.getByRole('dialog');
    await dialog.getByLabel('Name').fill('axe');
    await dialog.getByLabel('Amount').fill('1');
    await dialog.getByLabel('Schedule (cron, UTC)').fill('not a schedule');
    await dialog.getByRole('button', { name: 'Create program' }).click();
    await dialog.getByLabel('Schedule (cron, UTC)').and(admin.locator('[aria-invalid="true"]')).waitFor();
    await check(admin, 'program dialog with a field error');
    // The events of a new endpoint refused as a group.
    await admin.goto(`${service.url}/console/webhooks`);
    await admin.getByRole('button', { name: 'New endpoint' }).click();
    await dialog.getByLabel('URL').fill('https://example.com/hook');
    await dialog.getByRole('button', { name: 'Create endpoint' }).click();
    await dialog.getByLabel('transaction.created').and(admin.locator('[aria-invalid="true"]')).waitFor();
    await check(admin, 'webhook dialog with a field error');
    await admin.close();

    const user = await signedIn(userKey.key);
    await user.getByRole('heading', { name: /^Your credits/ }).waitFor();
    await settled(user);
    await check(user, 'my credits');
    await user.close();
  });
});
