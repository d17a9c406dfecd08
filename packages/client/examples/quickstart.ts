// The README's example, runnable: `pnpm --filter @credits/client quickstart [url]` with the service up.
// The key: CREDITS_API_KEY, or the admin key `pnpm start` generated into .data on its first run.
import { readFileSync } from 'node:fs';
import { createCreditsClient, isInsufficientCredits } from '@credits/client';

const apiKey = process.env.CREDITS_API_KEY ?? readFileSync(new URL('../../../.data/admin-api-key', import.meta.url), 'utf8').trim();
const credits = createCreditsClient({ url: process.argv[2] ?? 'http://127.0.0.1:8000', apiKey });
const suffix = Date.now(); // emails are unique: a fresh user on every run

const user = await credits.users.create.mutate({ email: `ada+${suffix}@example.com`, name: 'Ada', externalId: `auth0|ada-${suffix}` });
await credits.credits.recharge.mutate({ userId: user.id, amount: 10.5, referenceId: 'stripe_pi_123' });

const tx = await credits.credits.consume.mutate({ userId: `auth0|ada-${suffix}`, amount: 0.25, description: 'chat completion' });
console.log(`user ${user.id}: consumed 0.25, balance ${tx.balanceAfter}`);

try {
  await credits.credits.consume.mutate({ userId: user.id, amount: 100 });
} catch (error) {
  if (!isInsufficientCredits(error)) throw error;
  console.log(`refused: needs ${error.data.required}, has ${error.data.balance}`);
}
