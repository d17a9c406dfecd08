import { defineEntity, p } from '@mikro-orm/core';
import { Session } from './session';

/** One message of a session, in the order the session received them (id order). */
export const SessionMessage = defineEntity({
  name: 'SessionMessage',
  tableName: 'session_messages',
  properties: {
    id: p.bigint('number').primary(),
    session: () => p.manyToOne(Session).deleteRule('cascade'),
    role: p.enum(['user', 'assistant', 'system', 'tool'] as const),
    content: p.text(),
    messageType: p.string().length(50).default('chat'),
    tokensUsed: p.integer().default(0),
    costUsd: p.decimal().precision(20).scale(8).default(0),
    idempotencyKey: p.string().length(255).nullable(),
    requestHash: p.string().length(64).nullable(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
  indexes: [{ properties: ['session', 'id'] }],
  uniques: [{ properties: ['session', 'idempotencyKey'] }],
});
