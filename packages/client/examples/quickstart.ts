// Create a user, credit them, charge them, and see a refusal. CREDITS_URL and CREDITS_API_KEY
// come from the environment (a service or admin key).
import { createCreditsClient, isInsufficientCredits } from '@credits/client';

const credits = createCreditsClient();

// The idempotency key makes a repeated sign-up (a retry, a second run) return the same user.
const user = await credits.users.create.mutate({ email: 'ada@example.com', name: 'Ada', externalId: 'auth0|ada', idempotencyKey: 'signup:auth0|ada' });
// A payment's id as the reference: the payment credits once, however often its webhook arrives.
await credits.credits.recharge.mutate({ userId: user.id, amount: 10.5, referenceId: 'stripe_pi_123' });

// A user can be named by your own id for them (a string) or by ours (a number).
const tx = await credits.credits.consume.mutate({ userId: 'auth0|ada', amount: 0.25, description: 'chat completion' });
console.log(`charged 0.25, balance ${tx.balanceAfter}`); // charged 0.25, balance 10.25

try {
  await credits.credits.consume.mutate({ userId: user.id, amount: 100 });
} catch (error) {
  if (!isInsufficientCredits(error)) throw error;
  console.log(`refused: needs ${error.data.required}, has ${error.data.balance}`); // refused: needs 100, has 10.25
}
