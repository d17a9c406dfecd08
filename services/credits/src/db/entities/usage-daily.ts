import { defineEntity, p } from '@mikro-orm/core';

/**
 * usage_records summed per user, UTC day, event type and model: what usage.stats reads for whole
 * days. Written only by statement triggers on usage_records (see the usage_daily migration), in
 * the transaction of the change they sum, so it always equals the sums of the records.
 */
export const UsageDaily = defineEntity({
  name: 'UsageDaily',
  tableName: 'usage_daily',
  properties: {
    userId: p.integer().primary(),
    day: p.string().columnType('date').primary(),
    eventType: p.string().length(100).primary(),
    model: p.string().length(200).primary(),
    records: p.bigint('number'),
    creditsCharged: p.decimal().precision(24).scale(4),
    costUsd: p.decimal().precision(24).scale(8),
    tokensUsed: p.bigint('number'),
  },
});
