// After a model call: record what it used and charge its price in one step (both or neither).
// CREDITS_URL and CREDITS_API_KEY come from the environment; the user is the quickstart's.
import { createCreditsClient, isInsufficientCredits } from '@credits/client';

const credits = createCreditsClient();

// What the model's API reported, and your price: 0.5 credits per 1,000 prompt tokens, 1.5 per 1,000 completion tokens.
const completion = { id: 'chatcmpl-123', model: 'gpt-4o-mini', usage: { prompt_tokens: 1200, completion_tokens: 300 } };
const price = (completion.usage.prompt_tokens * 0.5 + completion.usage.completion_tokens * 1.5) / 1000;

try {
  const record = await credits.usage.record.mutate({
    userId: 'auth0|ada',
    endpoint: '/v1/chat',
    eventType: 'ai_chat',
    provider: 'openai',
    modelName: completion.model,
    promptTokens: completion.usage.prompt_tokens,
    completionTokens: completion.usage.completion_tokens,
    tokensUsed: completion.usage.prompt_tokens + completion.usage.completion_tokens,
    costUsd: 0.00036,
    creditsCharged: price,
    charge: true,
    // The completion's id: recording it again (a retry, a replayed queue message) charges once.
    idempotencyKey: completion.id,
  });
  console.log(`usage ${record.id}: charged ${record.creditsCharged}, balance ${record.balanceAfter}`); // charged 1.05, balance 9.2
} catch (error) {
  if (!isInsufficientCredits(error)) throw error;
  console.log(`not recorded: needs ${error.data.required}, has ${error.data.balance}`);
}

const stats = await credits.usage.stats.query({ userId: 'auth0|ada' });
console.log(`${stats.totalRecords} record(s), ${stats.totalCreditsCharged} credits, ${stats.totalTokensUsed} tokens`); // 1 record(s), 1.05 credits, 1500 tokens
