// The README's example, runnable: `pnpm --filter @credits/client quickstart [url]` with `pnpm start` running.
// It finds the service with the settings `pnpm start` reads: the URL from its argument, else CREDITS_URL, else
// HOST and PORT (http://127.0.0.1:8000); the key from CREDITS_API_KEY, else ADMIN_API_KEY, else the admin key
// the service generated into DATA_DIR (.data, under the repository) on its first run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createCreditsClient, isInsufficientCredits } from '@credits/client';

const env = process.env;
const root = path.resolve(import.meta.dirname, '../../..');
const url = process.argv[2] ?? (env.CREDITS_URL || `http://${env.HOST || '127.0.0.1'}:${env.PORT || 8000}`);
const apiKey = env.CREDITS_API_KEY || env.ADMIN_API_KEY || readFileSync(path.resolve(root, env.DATA_DIR || '.data', 'admin-api-key'), 'utf8').trim();
const credits = createCreditsClient({ url, apiKey });
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
