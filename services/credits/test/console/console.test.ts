/// <reference lib="dom" />
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeInBrowser, launchBrowser } from '../support/browser';
import { startTestService, TEST_ADMIN_KEY, type TestService } from '../support/service';

/**
 * The console in Chromium against the real service: an operator signs in, creates a user, tops
 * them up and sees the balance and the charts move; a revoked key is refused at its next request;
 * a user sees only itself; a double-clicked recharge charges once; no page has a serious or
 * critical accessibility violation.
 */

let service: TestService;
let browser: Awaited<ReturnType<typeof launchBrowser>>;

describeInBrowser('the console in a browser', () => {
  beforeAll(async () => {
    // The rollups folded as in production, every half second.
    service = await startTestService({ ledgerRollupIntervalMs: 500 });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  /** A new tab (its own sessionStorage), signed in with `token`; it fails on any request leaving the service. */
  async function signedIn(token: string): Promise<Page> {
    const page = await browser.context.newPage();
    page.on('request', (request) => {
      if (!request.url().startsWith(service.url) && !request.url().startsWith('data:')) throw new Error(`request off the service: ${request.url()}`);
    });
    await page.goto(`${service.url}/console`);
    await page.getByLabel('API key or JWT').fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    return page;
  }

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

  it('a user sees only its own credits, live, and has no way to another user or to a recharge', async () => {
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
    // Spent by a service: the user's page follows without a reload.
    await page.getByRole('heading', { name: /^Your credits/ }).waitFor();
    await service.caller().credits.consume({ userId: me.id, amount: 2.5 });
    await expect.poll(() => page.getByTestId('balance').textContent(), { timeout: 10_000 }).toBe('7.5');
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

  it('has no serious or critical accessibility violation on any page', async () => {
    const grace = (await service.caller().users.list({ search: 'auth0|grace' })).items[0]!;
    const session = await service.caller().sessions.create({ userId: grace.id, title: 'Planning' });
    await service.caller().sessions.addMessage({ sessionId: session.sessionId, role: 'user', content: 'How many credits are left?' });
    const userKey = await service.caller().apiKeys.create({ name: 'grace', scope: 'user', userId: grace.id });

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
      ['/console/schema', 'Schema changes'],
    ];
    for (const [address, heading] of pages) {
      await admin.goto(`${service.url}${address}`);
      await admin.getByRole('heading', { name: heading, level: 1 }).waitFor();
      await admin.waitForLoadState('networkidle');
      await check(admin, address);
    }
    // The user page with a session open and a dialog open.
    await admin.goto(`${service.url}/console/users/${grace.id}`);
    await admin.getByRole('button', { name: /^Planning/ }).click();
    await admin.getByText('How many credits are left?').waitFor();
    await check(admin, 'user with messages');
    await admin.getByRole('button', { name: 'Recharge', exact: true }).click();
    await check(admin, 'recharge dialog');
    await admin.close();

    const user = await signedIn(userKey.key);
    await user.getByRole('heading', { name: /^Your credits/ }).waitFor();
    await user.waitForLoadState('networkidle');
    await check(user, 'my credits');
    await user.close();
  });
});
