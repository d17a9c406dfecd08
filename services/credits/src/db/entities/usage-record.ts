import { defineEntity, p } from '@mikro-orm/core';
import { Session } from './session';
import { User } from './user';

/**
 * A usage event. A charged one points at its consume (`transactionId`), which points back at it
 * (`usage_record_id`); both are written by the `usage_record` function in one statement.
 */
export const UsageRecord = defineEntity({
  name: 'UsageRecord',
  tableName: 'usage_records',
  properties: {
    id: p.bigint('number').primary(),
    user: () => p.manyToOne(User),
    session: () => p.manyToOne(Session).nullable(),
    endpoint: p.string().length(500),
    eventType: p.string().length(100),
    creditsCharged: p.decimal().precision(20).scale(4).default(0),
    costUsd: p.decimal().precision(20).scale(8).default(0),
    tokensUsed: p.integer().nullable(),
    promptTokens: p.integer().nullable(),
    completionTokens: p.integer().nullable(),
    modelName: p.string().length(200).nullable(),
    provider: p.string().length(100).nullable(),
    toolName: p.string().length(200).nullable(),
    operationName: p.string().length(200).nullable(),
    metadata: p.json<Record<string, unknown>>().nullable(),
    transactionId: p.bigint('number').nullable(),
    idempotencyKey: p.string().length(255).nullable(),
    requestHash: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [
    { properties: ['user', 'id'] },
    // usage.stats reads only this index (an index-only scan), however many records a user has.
    {
      name: 'usage_records_stats_index',
      properties: ['user', 'createdAt'],
      include: ['eventType', 'modelName', 'creditsCharged', 'costUsd', 'tokensUsed'],
    },
  ],
  uniques: [{ properties: ['user', 'idempotencyKey'] }],
});
