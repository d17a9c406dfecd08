import { defineEntity, p } from '@mikro-orm/core';

export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.integer().primary(),
    /** Stored lower-cased, so uniqueness is case-insensitive. */
    email: p.string().length(254).unique(),
    name: p.string().length(200),
    /** The caller's id for this user (an Auth0 subject, say); a string `userId` addresses it. */
    externalId: p.string().length(255).nullable().unique(),
    /**
     * Set when the user was created with an idempotency key, which belongs to the principal that
     * sent it (`idempotencyScope`: `admin` or `api-key:<id>`); `requestHash` fingerprints that request.
     */
    idempotencyScope: p.string().length(40).nullable(),
    idempotencyKey: p.string().length(255).nullable(),
    requestHash: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()').onUpdate(() => new Date()),
  },
  uniques: [{ properties: ['idempotencyScope', 'idempotencyKey'] }],
});
