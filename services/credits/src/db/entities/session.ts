import { SESSION_STATUSES } from '@credits/contract';
import { defineEntity, p } from '@mikro-orm/core';
import { User } from './user';

/**
 * A conversation or other interaction of one user. `messageCount`, `totalTokens` and
 * `totalCostUsd` change only in the statement that adds a message, so they always equal the sums
 * over the session's messages.
 */
export const Session = defineEntity({
  name: 'Session',
  tableName: 'sessions',
  properties: {
    id: p.integer().primary(),
    sessionId: p.uuid().unique().defaultRaw('gen_random_uuid()'),
    user: () => p.manyToOne(User),
    title: p.string().length(200).nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    status: p.enum(SESSION_STATUSES).default('active'),
    messageCount: p.integer().default(0),
    totalTokens: p.bigint('number').default(0),
    totalCostUsd: p.decimal().precision(20).scale(8).default(0),
    idempotencyKey: p.string().length(255).nullable(),
    requestHash: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
    updatedAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ properties: ['user', 'id'] }],
  uniques: [{ properties: ['user', 'idempotencyKey'] }],
});
