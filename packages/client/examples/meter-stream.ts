// A streamed model call charged by what it really used: hold an estimate, stream, capture the cost.
// A user cannot start more calls than their credits cover, and a crash mid-stream costs them
// nothing once the hold's TTL has passed. CREDITS_URL and CREDITS_API_KEY come from the environment.
import { createCreditsClient, isInsufficientCredits } from '@credits/client';

const credits = createCreditsClient();

// Your model client's stream; here a stand-in yielding 120 tokens, with the usage on the last chunk.
async function* streamCompletion(prompt: string) {
  for (let i = 0; i < 120; i++) yield { token: `t${i} `, usage: i === 119 ? { prompt_tokens: prompt.length, completion_tokens: 120 } : undefined };
}
const PRICE_PER_1K_TOKENS = 1.5; // credits
const MAX_TOKENS = 1000;

try {
  const { result, transaction } = await credits.meter(
    // The request's id as the key: a retried request is charged once.
    { userId: 'auth0|ada', estimate: (MAX_TOKENS * PRICE_PER_1K_TOKENS) / 1000, ttlSeconds: 120, idempotencyKey: 'chat:request-42' },
    async () => {
      let text = '';
      let tokens = 0;
      for await (const chunk of streamCompletion('Summarize this.')) {
        text += chunk.token; // in your app: write it to the response as it comes
        if (chunk.usage) tokens = chunk.usage.prompt_tokens + chunk.usage.completion_tokens;
      }
      const amount = Math.round(tokens * PRICE_PER_1K_TOKENS * 10) / 10_000; // exact to a ten-thousandth
      return { amount, usage: { endpoint: '/v1/chat', eventType: 'ai_chat', modelName: 'gpt-4o-mini', tokensUsed: tokens }, text };
    },
  );
  console.log(`streamed ${result.text.length} characters, charged ${-transaction.amount}, balance ${transaction.balanceAfter}`); // streamed 490 characters, charged 0.2025, balance 8.9975
} catch (error) {
  if (!isInsufficientCredits(error)) throw error;
  console.log(`not started: needs ${error.data.required}, has ${error.data.available}`);
}
