import { z } from 'zod';
import { page, pageInput, text } from './common';

/**
 * admin: everything. service: any user's data, no admin operations. user: its own data only,
 * and may consume its own credits but never recharge, set or reset them.
 */
export const API_KEY_SCOPES = ['admin', 'service', 'user'] as const;
export const apiKeyScope = z.enum(API_KEY_SCOPES);
export type ApiKeyScope = z.output<typeof apiKeyScope>;

export const createApiKeyInput = z
  .object({
    name: text(100),
    scope: apiKeyScope,
    /** Required for a user key (the user it acts as); not allowed for the others. */
    userId: z.number().int().positive().optional(),
  })
  .refine((i) => (i.scope === 'user') === (i.userId !== undefined), {
    message: 'is required for a user key and not allowed for admin or service keys',
    path: ['userId'],
  });

/**
 * A service checking a credential its own caller presented (the records service, say): failures
 * count against `clientAddress`, that caller's address, never against the service asking.
 */
export const verifyApiKeyInput = z.object({
  key: z.string().min(1).max(4_096),
  clientAddress: text(100),
});

export const revokeApiKeyInput = z.object({ id: z.number().int().positive() });

export const listApiKeysInput = z.object({ ...pageInput, includeRevoked: z.boolean().default(false) });

export const apiKey = z.object({
  id: z.number(),
  name: z.string(),
  scope: apiKeyScope,
  userId: z.number().nullable(),
  /** The key's first characters, to tell keys apart; the key itself is never stored. */
  prefix: z.string(),
  createdAt: z.date(),
  lastUsedAt: z.date().nullable(),
  revokedAt: z.date().nullable(),
});
export type ApiKey = z.output<typeof apiKey>;

/** The one time a key is shown: keep it, it cannot be read again. */
export const createdApiKey = apiKey.extend({ key: z.string() });
export type CreatedApiKey = z.output<typeof createdApiKey>;

export const apiKeyPage = page(apiKey);

/** Who the caller is: what a service learns of a key or token its users present (auth.whoami). */
export const whoami = z.object({
  kind: apiKeyScope,
  /** For a user: our id and external id. */
  userId: z.number().nullable(),
  externalId: z.string().nullable(),
});
export type Whoami = z.output<typeof whoami>;

export type CreateApiKeyInput = z.output<typeof createApiKeyInput>;
export type ListApiKeysInput = z.output<typeof listApiKeysInput>;
export type ApiKeyPage = z.output<typeof apiKeyPage>;
