import { z } from 'zod';
import { amount } from './amount';
import { createdApiKey } from './api-keys';
import { idempotencyKey, page, pageInput, storableString, text, userRef } from './common';

export const email = z
  .string()
  .trim()
  .max(254)
  .toLowerCase()
  .pipe(z.email({ error: 'must be a valid email address' }));

export const externalId = text(255).regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces');

export const createUserInput = z.object({
  email,
  name: text(200),
  externalId: externalId.optional(),
  idempotencyKey: idempotencyKey.optional(),
});

export const getUserInput = z.object({ userId: userRef });

export const listUsersInput = z.object({
  ...pageInput,
  search: storableString().trim().min(1).max(100).optional(),
  /** Exactly this email (compared lower-cased, as stored). */
  email: email.optional(),
});

export const user = z.object({
  id: z.number(),
  email: z.string(),
  name: z.string(),
  externalId: z.string().nullable(),
  createdAt: z.date(),
});
export type User = z.output<typeof user>;

export const userPage = page(user);

/**
 * A sign-up in one step, all or nothing: the user, its balance row, a user-scope API key and,
 * when `credits` is given, a first recharge of that many credits (its ledger key is `signup`).
 */
export const signUpInput = z.object({
  email,
  name: text(200),
  externalId: externalId.optional(),
  credits: amount.optional(),
  keyName: text(100),
});
export type SignUpInput = z.output<typeof signUpInput>;

export const signedUp = z.object({
  user,
  apiKey: createdApiKey,
  balance: z.number(),
});
export type SignedUp = z.output<typeof signedUp>;
export type CreateUserInput = z.output<typeof createUserInput>;
export type ListUsersInput = z.output<typeof listUsersInput>;
export type UserPage = z.output<typeof userPage>;
