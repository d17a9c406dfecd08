import { defineEntity, p } from '@mikro-orm/core';

/** The audit of schema management: every change made over the API, who made it, and the SQL run. */
export const SchemaChange = defineEntity({
  name: 'SchemaChange',
  tableName: 'schema_changes',
  properties: {
    id: p.integer().primary(),
    /** admin (ADMIN_API_KEY) or api-key:<id>. */
    principal: p.string().length(40),
    operation: p.string().length(40),
    tableName: p.string().length(63),
    columnName: p.string().length(63).nullable(),
    sql: p.json<string[]>(),
    createdAt: p.datetime().defaultRaw('now()'),
  },
});
