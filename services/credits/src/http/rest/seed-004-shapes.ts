import type { Alerts, Bucket, Hold, HoldResult, Message, Session, Transaction, UsageRecord, WebhookDelivery, WebhookEndpoint, WebhookWithSecret } from '@credits/contract';
import { z } from 'zod';

/**
 * Seed 004's answers: its snake_case records, each a zod schema (for the OpenAPI document) and the
 * mapping from our record onto it. `userId` is the external id the route was called with.
 */

export const usageJson = z.object({
  id: z.number(),
  user_id: z.string(),
  session_id: z.string().nullable(),
  endpoint: z.string(),
  event_type: z.string(),
  credits_charged: z.number(),
  cost_usd: z.number(),
  tokens_used: z.number().nullable(),
  prompt_tokens: z.number().nullable(),
  completion_tokens: z.number().nullable(),
  model_name: z.string().nullable(),
  provider: z.string().nullable(),
  tool_name: z.string().nullable(),
  operation_name: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  transaction_id: z.number().nullable(),
  created_at: z.string(),
});
export const toUsage = (r: UsageRecord, userId: string): z.output<typeof usageJson> => ({
  id: r.id,
  user_id: userId,
  session_id: r.sessionId,
  endpoint: r.endpoint,
  event_type: r.eventType,
  credits_charged: r.creditsCharged,
  cost_usd: r.costUsd,
  tokens_used: r.tokensUsed,
  prompt_tokens: r.promptTokens,
  completion_tokens: r.completionTokens,
  model_name: r.modelName,
  provider: r.provider,
  tool_name: r.toolName,
  operation_name: r.operationName,
  metadata: r.metadata,
  transaction_id: r.transactionId,
  created_at: r.createdAt.toISOString(),
});

export const sessionJson = z.object({
  id: z.number(),
  session_id: z.string(),
  user_id: z.string(),
  title: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  status: z.string(),
  message_count: z.number(),
  total_tokens: z.number(),
  total_cost_usd: z.number(),
  created_at: z.string(),
  updated_at: z.string(),
});
export const toSession = (s: Session, userId: string): z.output<typeof sessionJson> => ({
  id: s.id,
  session_id: s.sessionId,
  user_id: userId,
  title: s.title,
  metadata: s.metadata,
  status: s.status,
  message_count: s.messageCount,
  total_tokens: s.totalTokens,
  total_cost_usd: s.totalCostUsd,
  created_at: s.createdAt.toISOString(),
  updated_at: s.updatedAt.toISOString(),
});

export const messageJson = z.object({
  id: z.number(),
  session_id: z.string(),
  role: z.string(),
  content: z.string(),
  message_type: z.string(),
  tokens_used: z.number(),
  cost_usd: z.number(),
  created_at: z.string(),
});
export const toMessage = (m: Message): z.output<typeof messageJson> => ({
  id: m.id,
  session_id: m.sessionId,
  role: m.role,
  content: m.content,
  message_type: m.messageType,
  tokens_used: m.tokensUsed,
  cost_usd: m.costUsd,
  created_at: m.createdAt.toISOString(),
});

/** Amounts are positive here, the direction is in `transaction_type` (the seed's way). */
export const transactionJson = z.object({
  id: z.number(),
  transaction_id: z.string(),
  user_id: z.string(),
  transaction_type: z.string(),
  amount: z.number(),
  balance_before: z.number(),
  balance_after: z.number(),
  description: z.string().nullable(),
  reference_id: z.string().nullable(),
  usage_record_id: z.number().nullable(),
  /** Beyond the seed: the hold a capture ended. */
  hold_id: z.number().nullable(),
  created_at: z.string(),
});
export const toTransaction = (t: Transaction, userId: string): z.output<typeof transactionJson> => ({
  id: t.id,
  transaction_id: `txn-${t.id}`,
  user_id: userId,
  transaction_type: t.type,
  amount: Math.abs(t.amount),
  balance_before: t.balanceBefore,
  balance_after: t.balanceAfter,
  description: t.description,
  reference_id: t.referenceId,
  usage_record_id: t.usageRecordId,
  hold_id: t.holdId,
  created_at: t.createdAt.toISOString(),
});

export const bucketJson = z.object({
  id: z.number(),
  user_id: z.string(),
  category: z.string(),
  priority: z.number(),
  amount: z.number(),
  remaining: z.number(),
  effective_at: z.string(),
  expires_at: z.string().nullable(),
  source: z.string(),
  reference_id: z.string().nullable(),
  created_at: z.string(),
});
export const toBucket = (b: Bucket, userId: string): z.output<typeof bucketJson> => ({
  id: b.id,
  user_id: userId,
  category: b.category,
  priority: b.priority,
  amount: b.amount,
  remaining: b.remaining,
  effective_at: b.effectiveAt.toISOString(),
  expires_at: b.expiresAt?.toISOString() ?? null,
  source: b.source,
  reference_id: b.referenceId,
  created_at: b.createdAt.toISOString(),
});

export const holdPlacedJson = z.object({
  hold_id: z.number(),
  user_id: z.string(),
  amount: z.number(),
  status: z.string(),
  expires_at: z.string(),
  available: z.number().describe('what the user can still spend, after this hold'),
});
export const toHoldPlaced = (h: HoldResult, userId: string): z.output<typeof holdPlacedJson> => ({
  hold_id: h.holdId,
  user_id: userId,
  amount: h.amount,
  status: h.status,
  expires_at: h.expiresAt.toISOString(),
  available: h.available,
});

export const holdJson = z.object({
  hold_id: z.number(),
  user_id: z.string(),
  amount: z.number(),
  status: z.string(),
  expires_at: z.string(),
  description: z.string().nullable(),
  captured: z.number().nullable().describe('what the capture consumed'),
  capture_transaction_id: z.number().nullable(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});
export const toHold = (h: Hold, userId: string): z.output<typeof holdJson> => ({
  hold_id: h.holdId,
  user_id: userId,
  amount: h.amount,
  status: h.status,
  expires_at: h.expiresAt.toISOString(),
  description: h.description,
  captured: h.captured,
  capture_transaction_id: h.captureTransactionId,
  created_at: h.createdAt.toISOString(),
  finished_at: h.finishedAt?.toISOString() ?? null,
});

export const alertsJson = z.object({
  user_id: z.string(),
  low_balance: z.number().nullable().describe('balance.low fires below it; null: no low alert'),
  source: z.string().describe("'user': set for this user; 'default': the service's LOW_BALANCE_THRESHOLD"),
  state: z.string().describe('ok, low or depleted'),
});
export const toAlerts = (a: Alerts, userId: string): z.output<typeof alertsJson> => ({ user_id: userId, low_balance: a.lowBalance, source: a.source, state: a.state });

export const webhookJson = z.object({
  endpoint_id: z.number(),
  url: z.string(),
  events: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  created_at: z.string(),
  updated_at: z.string(),
});
export const toWebhook = (w: WebhookEndpoint): z.output<typeof webhookJson> => ({
  endpoint_id: w.endpointId,
  url: w.url,
  events: w.events,
  description: w.description,
  enabled: w.enabled,
  created_at: w.createdAt.toISOString(),
  updated_at: w.updatedAt.toISOString(),
});
export const webhookWithSecretJson = webhookJson.extend({ secret: z.string().describe('the whsec_ signing secret: shown this once') });
export const toWebhookWithSecret = (w: WebhookWithSecret): z.output<typeof webhookWithSecretJson> => ({ ...toWebhook(w), secret: w.secret });

export const deliveryJson = z.object({
  delivery_id: z.number(),
  endpoint_id: z.number(),
  event_id: z.string(),
  event_type: z.string(),
  user_id: z.number(),
  status: z.string(),
  attempts: z.number(),
  next_attempt_at: z.string().nullable(),
  last_status: z.number().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  finished_at: z.string().nullable(),
});
export const toDelivery = (d: WebhookDelivery): z.output<typeof deliveryJson> => ({
  delivery_id: d.deliveryId,
  endpoint_id: d.endpointId,
  event_id: d.eventId,
  event_type: d.eventType,
  user_id: d.userId,
  status: d.status,
  attempts: d.attempts,
  next_attempt_at: d.nextAttemptAt?.toISOString() ?? null,
  last_status: d.lastStatus,
  last_error: d.lastError,
  created_at: d.createdAt.toISOString(),
  finished_at: d.finishedAt?.toISOString() ?? null,
});
