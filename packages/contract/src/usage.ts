import { z } from 'zod';
import { amount, decimal, usd } from './amount';
import { idempotencyKey, instant, page, pageInput, text, userRef } from './common';
import { metadata } from './json';

const count = z.number().int().min(0).max(2_147_483_647);
const name = (max: number) => text(max).optional();

/** What a usage event says of itself (a hold's capture records one too). */
export const usageEvent = {
  sessionId: z.uuid({ error: 'must be a session id (a UUID)' }).optional(),
  endpoint: text(500),
  eventType: text(100),
  costUsd: usd.optional(),
  tokensUsed: count.optional(),
  promptTokens: count.optional(),
  completionTokens: count.optional(),
  modelName: name(200),
  provider: name(100),
  toolName: name(200),
  operationName: name(200),
  metadata: metadata.optional(),
};

/**
 * One usage event. It is charged only with `charge: true`: `creditsCharged` is then consumed from
 * the balance in the same transaction as the record (both or neither). Without it,
 * `creditsCharged` is recorded as told and the balance is not touched (a caller that consumes
 * separately, as the seed's clients do, is not charged twice).
 */
export const recordUsageInput = z
  .object({
    userId: userRef,
    ...usageEvent,
    creditsCharged: decimal({ positive: false, max: 1_000_000_000_000, places: 4 }).optional(),
    charge: z.boolean().default(false),
    idempotencyKey: idempotencyKey.optional(),
  })
  .refine((i) => !i.charge || amount.safeParse(Number(i.creditsCharged ?? 0)).success, {
    message: 'must be greater than 0 to charge',
    path: ['creditsCharged'],
  });
export type RecordUsageInput = z.output<typeof recordUsageInput>;

export const usageRecord = z.object({
  id: z.number(),
  userId: z.number(),
  sessionId: z.string().nullable(),
  endpoint: z.string(),
  eventType: z.string(),
  creditsCharged: z.number(),
  costUsd: z.number(),
  tokensUsed: z.number().nullable(),
  promptTokens: z.number().nullable(),
  completionTokens: z.number().nullable(),
  modelName: z.string().nullable(),
  provider: z.string().nullable(),
  toolName: z.string().nullable(),
  operationName: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  /** The consume that charged it, when it was charged. */
  transactionId: z.number().nullable(),
  idempotencyKey: z.string().nullable(),
  createdAt: z.date(),
});
export type UsageRecord = z.output<typeof usageRecord>;

export const recordedUsage = usageRecord.extend({
  /** The balance after the charge; null when not charged. */
  balanceAfter: z.number().nullable(),
  replayed: z.boolean(),
});
export type RecordedUsage = z.output<typeof recordedUsage>;

const range = {
  /** Inclusive bounds on `createdAt`. */
  from: instant.optional(),
  to: instant.optional(),
};
const ordered = (i: { from?: Date | undefined; to?: Date | undefined }) => !i.from || !i.to || i.from <= i.to;

export const listUsageInput = z
  .object({ userId: userRef, eventType: text(100).optional(), ...range, ...pageInput })
  .refine(ordered, { message: 'must not be after `to`', path: ['from'] });
export type ListUsageInput = z.output<typeof listUsageInput>;

export const usagePage = page(usageRecord);
export type UsagePage = z.output<typeof usagePage>;

export const usageStatsInput = z.object({ userId: userRef, ...range }).refine(ordered, { message: 'must not be after `to`', path: ['from'] });
export type UsageStatsInput = z.output<typeof usageStatsInput>;

const tally = z.object({ records: z.number(), creditsCharged: z.number() });
const dayTally = z.object({ date: z.string(), key: z.string(), records: z.number(), creditsCharged: z.number() });

export const usageStats = z.object({
  totalRecords: z.number(),
  totalCreditsCharged: z.number(),
  totalCostUsd: z.number(),
  totalTokensUsed: z.number(),
  byEventType: z.record(z.string(), tally),
  /** Records without a model are under "unknown". */
  byModel: z.record(z.string(), tally),
  /** Per UTC day, oldest first: for charts. */
  daily: z.array(z.object({ date: z.string(), records: z.number(), creditsCharged: z.number(), costUsd: z.number(), tokensUsed: z.number() })),
  /** Per UTC day and event type (`key`), oldest first: the stacked chart of a user's usage. */
  dailyByEventType: z.array(dayTally),
  /** Per UTC day and model (`key`, "unknown" without one), oldest first. */
  dailyByModel: z.array(dayTally),
});
export type UsageStats = z.output<typeof usageStats>;
