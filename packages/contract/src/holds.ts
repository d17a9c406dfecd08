import { z } from 'zod';
import { amount } from './amount';
import { idempotencyKey, page, pageInput, text, userRef } from './common';
import { usageEvent } from './usage';

/**
 * Holds: credits reserved for a call whose cost is known only after it ran (authorize, then
 * capture). A hold draws its amount from the user's buckets, so nothing else can spend it and no
 * expiry can take it; it stays part of the balance (`held`) and is not `available`. It ends once:
 * captured (one consume of what the call cost, naming the hold; the rest is freed), released, or
 * expired (from `expiresAt` on it reserves nothing).
 */
export const HOLD_STATUSES = ['active', 'captured', 'released', 'expired'] as const;
export const holdStatus = z.enum(HOLD_STATUSES);

export const DEFAULT_HOLD_TTL_SECONDS = 300;
export const MAX_HOLD_TTL_SECONDS = 86_400;

export const holdInput = z.object({
  userId: userRef,
  amount,
  /** How long it reserves: default 300 s, at most a day. A client that dies mid-call locks nothing for longer. */
  ttlSeconds: z.number().int().min(1).max(MAX_HOLD_TTL_SECONDS).default(DEFAULT_HOLD_TTL_SECONDS),
  description: text(500).optional(),
  idempotencyKey: idempotencyKey.optional(),
});
export type HoldInput = z.output<typeof holdInput>;

export const holdResult = z.object({
  holdId: z.number(),
  amount: z.number(),
  expiresAt: z.date(),
  /** What the user can still spend, after this hold. */
  available: z.number(),
  /** Active when just made; a replay says how the hold stands now (an expired one reserves nothing). */
  status: holdStatus,
  /** The replay of an earlier call with the same key. */
  replayed: z.boolean(),
});
export type HoldResult = z.output<typeof holdResult>;

/** The usage record a capture writes with its consume, in the same transaction (its creditsCharged: the captured amount). */
export const captureUsage = z.object(usageEvent);

export const captureInput = z.object({
  holdId: z.number().int().positive(),
  /** What the call cost: up to the held amount it never fails for lack of credit; more draws the excess from what is available. */
  amount,
  description: text(500).optional(),
  usage: captureUsage.optional(),
  idempotencyKey: idempotencyKey.optional(),
});
export type CaptureInput = z.output<typeof captureInput>;

export const holdRef = z.object({ holdId: z.number().int().positive() });

export const hold = z.object({
  holdId: z.number(),
  userId: z.number(),
  amount: z.number(),
  status: holdStatus,
  expiresAt: z.date(),
  description: z.string().nullable(),
  /** What the capture consumed, and its ledger row. */
  captured: z.number().nullable(),
  captureTransactionId: z.number().nullable(),
  createdAt: z.date(),
  finishedAt: z.date().nullable(),
});
export type Hold = z.output<typeof hold>;

export const holdsInput = z.object({ userId: userRef, status: holdStatus.optional(), ...pageInput });
export type HoldsInput = z.output<typeof holdsInput>;
export const holdPage = page(hold);
export type HoldPage = z.output<typeof holdPage>;
