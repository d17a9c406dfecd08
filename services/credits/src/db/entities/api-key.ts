import { API_KEY_SCOPES } from '@credits/contract';
import { defineEntity, p } from '@mikro-orm/core';
import { User } from './user';

/**
 * An API key, kept as its SHA-256 only: the key is shown once, at creation. A user key acts as
 * its user and nobody else; admin and service keys belong to no user.
 */
export const ApiKey = defineEntity({
  name: 'ApiKey',
  tableName: 'api_keys',
  properties: {
    id: p.integer().primary(),
    name: p.string().length(100),
    scope: p.enum(API_KEY_SCOPES),
    user: () => p.manyToOne(User).nullable().deleteRule('cascade'),
    prefix: p.string().length(16),
    keyHash: p.string().length(64).unique(),
    createdAt: p.datetime().defaultRaw('now()'),
    lastUsedAt: p.datetime().nullable(),
    revokedAt: p.datetime().nullable(),
  },
  checks: [{ name: 'api_keys_user_scope_check', expression: "(scope = 'user') = (user_id is not null)" }],
});
