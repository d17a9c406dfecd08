// The README's example, runnable: `pnpm --filter @credits/client quickstart [url]` with the service up.
import { createCreditsClient, isInsufficientCredits } from '@credits/client';

const credits = createCreditsClient({ url: process.argv[2] ?? 'http://127.0.0.1:8000' });
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
