import { BUCKET_CATEGORIES, DEFAULT_PAGE_SIZE, type EventType, HOLD_STATUSES, WEBHOOK_DELIVERY_STATUSES, MAX_OFFSET, MAX_PAGE_SIZE, type Message, type Session, type Transaction } from '@credits/contract';
import { z } from 'zod';
import { type AnyRoute, type Api, queryBool, queryDate, queryInt, routeFamily } from './route';
import {
  alertsJson,
  bucketJson,
  deliveryJson,
  holdJson,
  holdPlacedJson,
  messageJson,
  sessionJson,
  toAlerts,
  toBucket,
  toDelivery,
  toHold,
  toHoldPlaced,
  toMessage,
  toSession,
  toTransaction,
  toUsage,
  transactionJson,
  toWebhook,
  toWebhookWithSecret,
  usageJson,
  webhookJson,
  webhookWithSecretJson,
} from './seed-004-shapes';
import { enveloped, envelope } from './surfaces';

/**
 * Seed 004, the unified user service, under /api/v1: every answer in its envelope, snake_case
 * fields, and `{user_id}` the caller's external id (`auth0%7C123456`). Every route calls one
 * procedure (a route named by a session or a hold also reads its user, for the user_id it answers with).
 */

const route = routeFamily({ tag: 'User service (seed 004)', surface: envelope });

const user = z.object({ user_id: z.string() });
const session = z.object({ session_id: z.string() });
const endpoint = z.object({ endpoint_id: z.coerce.number({ error: 'must be a webhook endpoint id (a positive integer)' }).int().min(1) });
const hold = z.object({ hold_id: z.coerce.number({ error: 'must be a hold id (a positive integer)' }).int().min(1) });

/** The user_id a route named by a session or a hold answers with: the user's external id, else its id. */
async function externalIdOf(api: Api, userId: number): Promise<string> {
  const owner = await api.users.get({ userId });
  return owner.externalId ?? String(owner.id);
}
/**
 * Paging as the seed's clients do it (`limit`, `offset`), alongside our cursors: a `limit` above
 * MAX_PAGE_SIZE is clamped, not refused (`X-Limit-Clamped` then names the limit applied);
 * `X-Next-Cursor` carries the cursor of the next page, to pass back as `cursor` (a list that grows
 * while it is walked is seen once with cursors, not with offsets); `offset` skips rows after it.
 */
const page = {
  limit: queryInt(1, Number.MAX_SAFE_INTEGER).default(DEFAULT_PAGE_SIZE).describe(`rows per page, at most ${MAX_PAGE_SIZE}: a larger limit is clamped (X-Limit-Clamped)`),
  offset: queryInt(0, MAX_OFFSET).default(0).describe('rows to skip (after `cursor`, when both are given)'),
  cursor: z.string({ error: 'must be a cursor this service returned' }).optional().describe('the X-Next-Cursor of the page before'),
};
const pageOf = (query: { limit: number; offset: number; cursor?: string | undefined }) => ({
  limit: Math.min(query.limit, MAX_PAGE_SIZE),
  offset: query.offset,
  cursor: query.cursor,
});
const pageHeaders = {
  'x-limit-clamped': {
    description: `Sent when the limit asked for was above ${MAX_PAGE_SIZE}: the limit applied instead`,
    value: ({ query }: { query: { limit: number } }) => (query.limit > MAX_PAGE_SIZE ? String(MAX_PAGE_SIZE) : undefined),
  },
  'x-next-cursor': {
    description: 'The next page\'s cursor, to send as `cursor`; absent on the last page',
    value: (_: unknown, page: { nextCursor: string | null }) => page.nextCursor ?? undefined,
  },
};
const range = { start_date: queryDate.optional(), end_date: queryDate.optional() };
const paging = { limit: 'limit', offset: 'offset', cursor: 'cursor', from: 'start_date', to: 'end_date', userId: 'user_id', sessionId: 'session_id' };

const optionalNumber = z.number({ error: 'must be a number' }).optional();
const optionalString = z.string({ error: 'must be a string' }).optional();

/** A usage event as the usage route names its fields; a capture's `usage` is one too. */
const usageEventBody = {
  session_id: optionalString,
  endpoint: z.string({ error: 'must be a string' }),
  event_type: z.string({ error: 'must be a string' }),
  cost_usd: optionalNumber,
  tokens_used: optionalNumber,
  prompt_tokens: optionalNumber,
  completion_tokens: optionalNumber,
  model_name: optionalString,
  provider: optionalString,
  tool_name: optionalString,
  operation_name: optionalString,
  metadata: z.record(z.string(), z.unknown()).optional(),
};
const usageEventFields = {
  sessionId: 'session_id',
  eventType: 'event_type',
  costUsd: 'cost_usd',
  tokensUsed: 'tokens_used',
  promptTokens: 'prompt_tokens',
  completionTokens: 'completion_tokens',
  modelName: 'model_name',
  toolName: 'tool_name',
  operationName: 'operation_name',
};
const usageEvent = (body: z.output<z.ZodObject<typeof usageEventBody>>) => ({
  sessionId: body.session_id,
  endpoint: body.endpoint,
  eventType: body.event_type,
  costUsd: body.cost_usd,
  tokensUsed: body.tokens_used,
  promptTokens: body.prompt_tokens,
  completionTokens: body.completion_tokens,
  modelName: body.model_name,
  provider: body.provider,
  toolName: body.tool_name,
  operationName: body.operation_name,
  metadata: body.metadata as Record<string, never> | undefined,
});

export const userServiceRoutes: AnyRoute[] = [
  route({
    method: 'POST',
    path: '/api/v1/users/{user_id}/usage',
    summary: 'Record a usage event (charge: true also consumes credits_charged, atomically)',
    message: 'Usage recorded successfully',
    params: user,
    body: z.object({
      user_id: optionalString,
      ...usageEventBody,
      credits_charged: optionalNumber,
      charge: z.boolean().optional(),
      idempotency_key: optionalString,
    }),
    fields: { ...usageEventFields, creditsCharged: 'credits_charged', idempotencyKey: 'idempotency_key', userId: 'user_id' },
    call: (api, { params, body }) =>
      api.usage.record({
        userId: params.user_id,
        ...usageEvent(body),
        creditsCharged: body.credits_charged,
        charge: body.charge,
        idempotencyKey: body.idempotency_key,
      }),
    response: enveloped(usageJson),
    respond: (r, { params }) => toUsage(r, params.user_id),
    example: {
      params: { user_id: 'auth0|123456' },
      body: { user_id: 'auth0|123456', endpoint: '/api/chat/completion', event_type: 'ai_chat', credits_charged: 5, cost_usd: 0.01, tokens_used: 1500, prompt_tokens: 1000, completion_tokens: 500, model_name: 'gpt-4', provider: 'openai', tool_name: 'chat_service', operation_name: 'generate_response' },
    },
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/{user_id}/usage',
    summary: 'Usage history, newest first',
    message: 'Usage history retrieved successfully',
    params: user,
    query: z.object({ ...page, ...range, event_type: optionalString }),
    fields: { ...paging, eventType: 'event_type' },
    call: (api, { params, query }) =>
      api.usage.list({ userId: params.user_id, ...pageOf(query), from: query.start_date, to: query.end_date, eventType: query.event_type }),
    headers: pageHeaders,
    response: enveloped(z.array(usageJson)),
    respond: (p, { params }) => p.items.map((r) => toUsage(r, params.user_id)),
    example: { params: { user_id: 'auth0|123456' }, query: { limit: 50, offset: 0 } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/{user_id}/usage/stats',
    summary: 'Usage totals for a date range',
    message: 'Usage statistics retrieved successfully',
    params: user,
    query: z.object(range),
    fields: paging,
    call: (api, { params, query }) => api.usage.stats({ userId: params.user_id, from: query.start_date, to: query.end_date }),
    response: enveloped(
      z.object({
        total_records: z.number(),
        total_credits_charged: z.number(),
        total_cost_usd: z.number(),
        total_tokens_used: z.number(),
        by_event_type: z.record(z.string(), z.number()).describe('record counts'),
        by_model: z.record(z.string(), z.number()).describe('record counts'),
        credits_by_event_type: z.record(z.string(), z.number()),
        credits_by_model: z.record(z.string(), z.number()),
        daily: z.array(z.object({ date: z.string(), records: z.number(), credits_charged: z.number(), cost_usd: z.number(), tokens_used: z.number() })),
      }),
    ),
    respond: (s) => {
      const pick = (tallies: Record<string, { records: number; creditsCharged: number }>, key: 'records' | 'creditsCharged') =>
        Object.fromEntries(Object.entries(tallies).map(([name, t]) => [name, t[key]]));
      return {
        total_records: s.totalRecords,
        total_credits_charged: s.totalCreditsCharged,
        total_cost_usd: s.totalCostUsd,
        total_tokens_used: s.totalTokensUsed,
        by_event_type: pick(s.byEventType, 'records'),
        by_model: pick(s.byModel, 'records'),
        credits_by_event_type: pick(s.byEventType, 'creditsCharged'),
        credits_by_model: pick(s.byModel, 'creditsCharged'),
        daily: s.daily.map((d) => ({ date: d.date, records: d.records, credits_charged: d.creditsCharged, cost_usd: d.costUsd, tokens_used: d.tokensUsed })),
      };
    },
    example: { params: { user_id: 'auth0|123456' }, query: { start_date: '2024-01-01T00:00:00Z', end_date: '2030-01-31T23:59:59Z' } },
  }),
  route({
    method: 'POST',
    path: '/api/v1/users/{user_id}/sessions',
    summary: 'Create a session',
    message: 'Session created successfully',
    params: user,
    body: z.object({ user_id: optionalString, title: optionalString, metadata: z.record(z.string(), z.unknown()).optional(), idempotency_key: optionalString }),
    fields: { userId: 'user_id', idempotencyKey: 'idempotency_key' },
    call: (api, { params, body }) =>
      api.sessions.create({ userId: params.user_id, title: body.title, metadata: body.metadata as Record<string, never> | undefined, idempotencyKey: body.idempotency_key }),
    response: enveloped(sessionJson),
    respond: (s, { params }) => toSession(s, params.user_id),
    example: { params: { user_id: 'auth0|123456' }, body: { user_id: 'auth0|123456', title: 'Chat about AI development', metadata: { source: 'web_app', type: 'chat_session' } } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/{user_id}/sessions',
    summary: "A user's sessions, newest first",
    message: 'Sessions retrieved successfully',
    params: user,
    query: z.object({ ...page, active_only: queryBool.default(false) }),
    fields: { ...paging, activeOnly: 'active_only' },
    call: (api, { params, query }) => api.sessions.list({ userId: params.user_id, activeOnly: query.active_only, ...pageOf(query) }),
    headers: pageHeaders,
    response: enveloped(z.array(sessionJson)),
    respond: (p, { params }) => p.items.map((s) => toSession(s, params.user_id)),
    example: { params: { user_id: 'auth0|123456' }, query: { active_only: true, limit: 20, offset: 0 } },
  }),
  route({
    method: 'POST',
    path: '/api/v1/sessions/{session_id}/messages',
    summary: 'Add a message to an open session',
    message: 'Message added successfully',
    params: session,
    body: z.object({
      role: z.string({ error: 'must be a string' }),
      content: z.string({ error: 'must be a string' }),
      message_type: optionalString,
      tokens_used: optionalNumber,
      cost_usd: optionalNumber,
      idempotency_key: optionalString,
    }),
    fields: { ...paging, messageType: 'message_type', tokensUsed: 'tokens_used', costUsd: 'cost_usd', idempotencyKey: 'idempotency_key' },
    call: (api, { params, body }) =>
      api.sessions.addMessage({
        sessionId: params.session_id,
        role: body.role as Message['role'],
        content: body.content,
        messageType: body.message_type,
        tokensUsed: body.tokens_used,
        costUsd: body.cost_usd,
        idempotencyKey: body.idempotency_key,
      }),
    response: enveloped(messageJson),
    respond: toMessage,
    example: { params: { session_id: '{{sessionId}}' }, body: { role: 'user', content: 'Hello, how can AI help with coding?', message_type: 'chat', tokens_used: 10, cost_usd: 0.001 } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/sessions/{session_id}/messages',
    summary: "A session's messages, oldest first",
    message: 'Messages retrieved successfully',
    params: session,
    query: z.object(page),
    fields: paging,
    call: (api, { params, query }) => api.sessions.messages({ sessionId: params.session_id, ...pageOf(query) }),
    headers: pageHeaders,
    response: enveloped(z.array(messageJson)),
    respond: (p) => p.items.map(toMessage),
    example: { params: { session_id: '{{sessionId}}' }, query: { limit: 100, offset: 0 } },
  }),
  route({
    method: 'PUT',
    path: '/api/v1/sessions/{session_id}/status',
    summary: 'Change a session’s status (active, paused, completed, archived; along the legal moves)',
    message: 'Session status updated successfully',
    params: session,
    body: z.object({ status: z.string({ error: 'must be a string' }) }),
    fields: paging,
    call: async (api, { params, body }) => {
      const changed = await api.sessions.setStatus({ sessionId: params.session_id, status: body.status as Session['status'] });
      return { changed, userId: await externalIdOf(api, changed.userId) };
    },
    response: enveloped(sessionJson),
    respond: ({ changed, userId }) => toSession(changed, userId),
    example: { params: { session_id: '{{sessionId}}' }, body: { status: 'completed' } },
  }),
  route({
    method: 'POST',
    path: '/api/v1/users/{user_id}/credits/consume',
    summary: 'Consume credits (never below zero; insufficient credits is a 400)',
    message: 'Credits consumed successfully',
    params: user,
    body: z.object({ amount: z.number({ error: 'must be a number' }), description: optionalString, usage_record_id: optionalNumber, idempotency_key: optionalString }),
    fields: { userId: 'user_id', usageRecordId: 'usage_record_id', idempotencyKey: 'idempotency_key' },
    call: (api, { params, body }) =>
      api.credits.consume({ userId: params.user_id, amount: body.amount, description: body.description, usageRecordId: body.usage_record_id, idempotencyKey: body.idempotency_key }),
    response: enveloped(transactionJson),
    respond: (t, { params }) => toTransaction(t, params.user_id),
    example: { params: { user_id: 'auth0|123456' }, body: { amount: 10.5, description: 'AI chat completion' } },
  }),
  route({
    method: 'POST',
    path: '/api/v1/users/{user_id}/credits/recharge',
    summary: 'Add credits',
    message: 'Credits recharged successfully',
    params: user,
    body: z.object({
      amount: z.number({ error: 'must be a number' }),
      description: optionalString,
      reference_id: optionalString,
      idempotency_key: optionalString,
      // Beyond the seed: the bucket the credits land in (default: paid, priority 50, from now, never expiring).
      category: z.enum(BUCKET_CATEGORIES, { error: `must be one of ${BUCKET_CATEGORIES.join(', ')}` }).optional(),
      priority: optionalNumber,
      effective_at: queryDate.optional(),
      expires_at: queryDate.optional(),
    }),
    fields: { userId: 'user_id', referenceId: 'reference_id', idempotencyKey: 'idempotency_key', effectiveAt: 'effective_at', expiresAt: 'expires_at' },
    call: (api, { params, body }) =>
      api.credits.recharge({
        userId: params.user_id,
        amount: body.amount,
        description: body.description,
        referenceId: body.reference_id,
        idempotencyKey: body.idempotency_key,
        category: body.category,
        priority: body.priority,
        effectiveAt: body.effective_at,
        expiresAt: body.expires_at,
      }),
    response: enveloped(transactionJson),
    respond: (t, { params }) => toTransaction(t, params.user_id),
    example: { params: { user_id: 'auth0|123456' }, body: { amount: 50, description: 'Monthly subscription refill', reference_id: 'stripe_payment_123' } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/{user_id}/credits/buckets',
    summary: 'Where the balance lives: its buckets, in spending order (beyond the seed)',
    message: 'Credit buckets retrieved successfully',
    params: user,
    query: z.object({ ...page, include_spent: queryBool.default(false).describe('also the spent and expired buckets') }),
    fields: { ...paging, includeSpent: 'include_spent' },
    call: (api, { params, query }) => api.credits.buckets({ userId: params.user_id, includeSpent: query.include_spent, ...pageOf(query) }),
    headers: pageHeaders,
    response: enveloped(z.array(bucketJson)),
    respond: (p, { params }) => p.items.map((b) => toBucket(b, params.user_id)),
    example: { params: { user_id: 'auth0|123456' } },
  }),
  // Beyond the seed: holds (reserve, then capture what the call cost, or release). Placing and
  // ending one needs a service credential; a user may list its own.
  route({
    method: 'POST',
    path: '/api/v1/users/{user_id}/credits/holds',
    summary: 'Reserve credits for a call whose cost is known after it ran (beyond the seed; insufficient credits is a 400)',
    message: 'Credits held successfully',
    params: user,
    body: z.object({ amount: z.number({ error: 'must be a number' }), ttl_seconds: optionalNumber, description: optionalString, idempotency_key: optionalString }),
    fields: { userId: 'user_id', ttlSeconds: 'ttl_seconds', idempotencyKey: 'idempotency_key' },
    call: (api, { params, body }) =>
      api.credits.hold({ userId: params.user_id, amount: body.amount, ttlSeconds: body.ttl_seconds, description: body.description, idempotencyKey: body.idempotency_key }),
    response: enveloped(holdPlacedJson),
    respond: (h, { params }) => toHoldPlaced(h, params.user_id),
    example: { params: { user_id: 'auth0|123456' }, body: { amount: 5, ttl_seconds: 300, description: 'AI chat completion (estimate)' } },
  }),
  route({
    method: 'POST',
    path: '/api/v1/holds/{hold_id}/capture',
    summary: 'End a hold with one consume of what the call cost (and its usage record), freeing the rest (beyond the seed)',
    message: 'Hold captured successfully',
    params: hold,
    body: z.object({
      amount: z.number({ error: 'must be a number' }),
      description: optionalString,
      usage: z.object(usageEventBody, { error: 'must be an object' }).optional().describe('the usage record written with the consume; its credits_charged is the amount'),
      idempotency_key: optionalString,
    }),
    fields: {
      holdId: 'hold_id',
      idempotencyKey: 'idempotency_key',
      ...Object.fromEntries(Object.entries(usageEventFields).map(([ours, sent]) => [`usage.${ours}`, `usage.${sent}`])),
    },
    call: async (api, { params, body }) => {
      const captured = await api.credits.capture({
        holdId: params.hold_id,
        amount: body.amount,
        description: body.description,
        usage: body.usage && usageEvent(body.usage),
        idempotencyKey: body.idempotency_key,
      });
      return { captured, userId: await externalIdOf(api, captured.userId) };
    },
    response: enveloped(transactionJson),
    respond: ({ captured, userId }) => toTransaction(captured, userId),
    example: {
      params: { hold_id: '{{holdId}}' },
      body: { amount: 3.5, description: 'AI chat completion', usage: { endpoint: '/api/chat/completion', event_type: 'ai_chat', tokens_used: 1500, model_name: 'gpt-4', provider: 'openai' } },
    },
  }),
  route({
    method: 'POST',
    path: '/api/v1/holds/{hold_id}/release',
    summary: 'Free all a hold reserves (beyond the seed)',
    message: 'Hold released successfully',
    params: hold,
    fields: { holdId: 'hold_id' },
    call: async (api, { params }) => {
      const released = await api.credits.release({ holdId: params.hold_id });
      return { released, userId: await externalIdOf(api, released.userId) };
    },
    response: enveloped(holdJson),
    respond: ({ released, userId }) => toHold(released, userId),
    example: { params: { hold_id: '{{holdId}}' } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/{user_id}/credits/holds',
    summary: "A user's holds, newest first (beyond the seed)",
    message: 'Holds retrieved successfully',
    params: user,
    query: z.object({ ...page, status: z.enum(HOLD_STATUSES, { error: `must be one of ${HOLD_STATUSES.join(', ')}` }).optional() }),
    fields: paging,
    call: (api, { params, query }) => api.credits.holds({ userId: params.user_id, status: query.status, ...pageOf(query) }),
    headers: pageHeaders,
    response: enveloped(z.array(holdJson)),
    respond: (p, { params }) => p.items.map((h) => toHold(h, params.user_id)),
    example: { params: { user_id: 'auth0|123456' }, query: { status: 'captured' } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/{user_id}/credits/balance',
    summary: 'A balance (data is the bare number)',
    message: 'Credit balance retrieved successfully',
    params: user,
    fields: paging,
    call: (api, { params }) => api.credits.balance({ userId: params.user_id }),
    response: enveloped(z.number()),
    respond: (b) => b.balance,
    example: { params: { user_id: 'auth0|123456' } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/users/{user_id}/credits/transactions',
    summary: 'Ledger history, newest first',
    message: 'Transactions retrieved successfully',
    params: user,
    query: z.object({ ...page, ...range, transaction_type: optionalString }),
    fields: { ...paging, type: 'transaction_type' },
    call: (api, { params, query }) =>
      api.credits.transactions({
        userId: params.user_id,
        type: query.transaction_type as Transaction['type'] | undefined,
        ...pageOf(query),
        from: query.start_date,
        to: query.end_date,
      }),
    headers: pageHeaders,
    response: enveloped(z.array(transactionJson)),
    respond: (p, { params }) => p.items.map((t) => toTransaction(t, params.user_id)),
    example: { params: { user_id: 'auth0|123456' }, query: { transaction_type: 'consume', limit: 50, offset: 0 } },
  }),
  // Beyond the seed: low-balance alerts and signed webhooks (the README's "Balance events").
  route({
    method: 'GET',
    path: '/api/v1/users/{user_id}/alerts',
    summary: "A user's low-balance threshold and where the balance stands against it (beyond the seed)",
    message: 'Alerts retrieved successfully',
    params: user,
    fields: { userId: 'user_id' },
    call: (api, { params }) => api.alerts.get({ userId: params.user_id }),
    response: enveloped(alertsJson),
    respond: (a, { params }) => toAlerts(a, params.user_id),
    example: { params: { user_id: 'auth0|123456' } },
  }),
  route({
    method: 'PUT',
    path: '/api/v1/users/{user_id}/alerts',
    summary: "Set a user's low-balance threshold; null turns the low alert off (beyond the seed)",
    message: 'Alerts updated successfully',
    params: user,
    body: z.object({ low_balance: z.number({ error: 'must be a number or null' }).nullable() }),
    fields: { userId: 'user_id', lowBalance: 'low_balance' },
    call: (api, { params, body }) => api.alerts.set({ userId: params.user_id, lowBalance: body.low_balance }),
    response: enveloped(alertsJson),
    respond: (a, { params }) => toAlerts(a, params.user_id),
    example: { params: { user_id: 'auth0|123456' }, body: { low_balance: 10 } },
  }),
  route({
    method: 'POST',
    path: '/api/v1/webhooks',
    summary: 'A webhook endpoint and its signing secret, shown this once (beyond the seed; admin)',
    message: 'Webhook endpoint created successfully',
    body: z.object({ url: z.string({ error: 'must be a string' }), events: z.array(z.string(), { error: 'must be a list of event types' }), description: optionalString }),
    fields: {},
    call: (api, { body }) => api.webhooks.create({ url: body.url, events: body.events as EventType[], description: body.description }),
    response: enveloped(webhookWithSecretJson),
    respond: toWebhookWithSecret,
    example: { body: { url: 'https://example.com/hooks/credits', events: ['balance.low', 'balance.depleted'], description: 'billing alerts' } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/webhooks',
    summary: 'The webhook endpoints, without their secrets (beyond the seed; admin)',
    message: 'Webhook endpoints retrieved successfully',
    fields: {},
    call: (api) => api.webhooks.list(),
    response: enveloped(z.array(webhookJson)),
    respond: (list) => list.map(toWebhook),
    example: {},
  }),
  route({
    method: 'PATCH',
    path: '/api/v1/webhooks/{endpoint_id}',
    summary: 'Change an endpoint: its url, events, description, or enabled (beyond the seed; admin)',
    message: 'Webhook endpoint updated successfully',
    params: endpoint,
    body: z.object({
      url: optionalString,
      events: z.array(z.string(), { error: 'must be a list of event types' }).optional(),
      description: z.string({ error: 'must be a string or null' }).nullable().optional(),
      enabled: z.boolean({ error: 'must be true or false' }).optional(),
    }),
    fields: { endpointId: 'endpoint_id' },
    call: (api, { params, body }) =>
      api.webhooks.update({ endpointId: params.endpoint_id, url: body.url, events: body.events as EventType[] | undefined, description: body.description, enabled: body.enabled }),
    response: enveloped(webhookJson),
    respond: toWebhook,
    example: { params: { endpoint_id: '{{endpointId}}' }, body: { events: ['balance.low', 'balance.depleted', 'balance.recovered'] } },
  }),
  route({
    method: 'POST',
    path: '/api/v1/webhooks/{endpoint_id}/rotate-secret',
    summary: 'A new signing secret from the next attempt on, shown this once (beyond the seed; admin)',
    message: 'Webhook secret rotated successfully',
    params: endpoint,
    fields: { endpointId: 'endpoint_id' },
    call: (api, { params }) => api.webhooks.rotateSecret({ endpointId: params.endpoint_id }),
    response: enveloped(webhookWithSecretJson),
    respond: toWebhookWithSecret,
    example: { params: { endpoint_id: '{{endpointId}}' } },
  }),
  route({
    method: 'GET',
    path: '/api/v1/webhooks/{endpoint_id}/deliveries',
    summary: "An endpoint's deliveries, newest first (beyond the seed; admin)",
    message: 'Webhook deliveries retrieved successfully',
    params: endpoint,
    query: z.object({
      ...page,
      status: z.enum(WEBHOOK_DELIVERY_STATUSES, { error: `must be one of ${WEBHOOK_DELIVERY_STATUSES.join(', ')}` }).optional(),
    }),
    fields: { ...paging, endpointId: 'endpoint_id' },
    call: (api, { params, query }) => api.webhooks.deliveries({ endpointId: params.endpoint_id, status: query.status, ...pageOf(query) }),
    headers: pageHeaders,
    response: enveloped(z.array(deliveryJson)),
    respond: (p) => p.items.map(toDelivery),
    example: { params: { endpoint_id: '{{endpointId}}' }, query: { status: 'failed' } },
  }),
  route({
    method: 'DELETE',
    path: '/api/v1/webhooks/{endpoint_id}',
    summary: 'Remove an endpoint and its deliveries (beyond the seed; admin)',
    message: 'Webhook endpoint removed successfully',
    params: endpoint,
    fields: { endpointId: 'endpoint_id' },
    call: (api, { params }) => api.webhooks.remove({ endpointId: params.endpoint_id }),
    response: enveloped(z.object({ endpoint_id: z.number(), removed: z.boolean() })),
    respond: (r) => ({ endpoint_id: r.endpointId, removed: r.removed }),
    example: { params: { endpoint_id: '{{endpointId}}' } },
  }),
];
