import { z } from 'zod';
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
export type CreateUserInput = z.output<typeof createUserInput>;
export type ListUsersInput = z.output<typeof listUsersInput>;
export type UserPage = z.output<typeof userPage>;
