import { type ColumnInfo, SUPPORTED_SCHEMA_STATEMENTS } from '@credits/contract';
import { z } from 'zod';
import { type AnyRoute, type RestError, routeFamily } from './route';
import { fastapi } from './surfaces';

/**
 * Seeds 000, 001 and 002: the FastAPI credits services, their paths, bodies and answers. Every
 * route calls a procedure; the only logic here is renaming fields and writing the seeds' texts.
 */

const tag = 'Credits (seeds 000-002)';

/**
 * Numbers as Pydantic's lax mode takes them: a JSON number, or a string holding one ("10",
 * "10.5"). Booleans and anything else stay refused (the surface reports Pydantic's type names).
 */
const numericText = (pattern: RegExp) => z.string().max(100).regex(pattern).transform(Number);
// Unambiguous (digits, then a point only before more): no backtracking on a long string of digits.
const laxNumber = z.union([z.number(), numericText(/^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/)]);
const laxInt = z.union([z.int(), numericText(/^\s*[+-]?\d+\s*$/)]);

/** FastAPI writes a naive UTC datetime with six fractional digits, no zone (2025-01-14T12:30:45.123456); ours carry milliseconds. */
const fastapiTime = (at: Date) => at.toISOString().replace('Z', '000');

const userId = z.object({ user_id: laxInt });
const amountBody = z.object({ amount: laxNumber });
const userShape = z.object({ user_id: z.number(), email: z.string(), name: z.string() });
/** Seed 000 answers `new_balance`, the clients of seeds 001 and 002 read `credits`: both, always equal. */
const change = (example: string) =>
  z.object({ message: z.string().describe(`e.g. "${example}"`), user_id: z.number(), credits: z.number(), new_balance: z.number(), last_updated: z.string() });
const changed = (message: string, tx: { userId: number; balanceAfter: number; createdAt: Date }) => ({
  message,
  user_id: tx.userId,
  credits: tx.balanceAfter,
  new_balance: tx.balanceAfter,
  last_updated: fastapiTime(tx.createdAt),
});

/** The seeds' own words for the failures their clients know. */
function seedWords(error: RestError): RestError {
  switch (error.reason) {
    case 'INSUFFICIENT_CREDITS':
      return { ...error, status: 400, message: 'Insufficient credits' };
    case 'USER_NOT_FOUND':
      return { ...error, message: 'User not found' };
    case 'EMAIL_TAKEN':
      return { ...error, status: 400, message: 'User with this email already exists' };
    case 'INVALID_INPUT':
      if (error.issues.some((i) => i.field === 'amount' && /greater than 0/.test(i.message))) {
        return { ...error, reason: undefined, status: 400, message: 'Amount must be positive' };
      }
      return error;
    default:
      return error;
  }
}

const seed = routeFamily({ tag, surface: fastapi, adjust: seedWords });

const schemaColumn = z.object({
  name: z.string({ error: 'must be a string' }),
  type: z.string({ error: 'must be a string' }),
  nullable: z.boolean().optional(),
  default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
});
const column = (c: z.output<typeof schemaColumn>) => ({ name: c.name, type: c.type, nullable: c.nullable, default: c.default });
const tableName = z.object({ table_name: z.string() });
const message = z.object({ message: z.string() });
/** Types as seed 000's MySQL showed them (`int`, `varchar(255)`, `tinyint(1)`), whatever PostgreSQL calls them. */
const describedColumn = (c: ColumnInfo) => ({ name: c.name, type: c.mysqlType, nullable: c.nullable, key: c.key, default: c.default, extra: c.extra });

export const creditsRoutes: AnyRoute[] = [
  seed({
    method: 'GET',
    path: '/',
    summary: 'Service status',
    public: true,
    call: async () => undefined,
    response: z.object({ message: z.literal('Hello World') }),
    respond: () => ({ message: 'Hello World' }),
  }),
  seed({
    method: 'GET',
    path: '/health',
    summary: 'Liveness',
    public: true,
    call: async () => undefined,
    response: z.object({ status: z.literal('healthy') }),
    respond: () => ({ status: 'healthy' }),
  }),
  seed({
    method: 'POST',
    path: '/users/',
    summary: 'Create a user',
    body: z.object({ email: z.string(), name: z.string(), external_id: z.string().optional() }),
    fields: { externalId: 'external_id' },
    call: (api, { body }) => api.users.create({ email: body.email, name: body.name, ...(body.external_id ? { externalId: body.external_id } : {}) }),
    response: userShape.extend({ message: z.string() }),
    respond: (u) => ({ message: 'User created successfully', user_id: u.id, email: u.email, name: u.name }),
    example: { body: { email: 'user@example.com', name: 'John Doe' } },
  }),
  seed({
    method: 'GET',
    path: '/users/{user_id}',
    summary: 'Get a user',
    params: userId,
    fields: { userId: 'user_id' },
    call: (api, { params }) => api.users.get({ userId: params.user_id }),
    response: userShape,
    respond: (u) => ({ user_id: u.id, email: u.email, name: u.name }),
  }),
  seed({
    method: 'GET',
    path: '/api/credits/{user_id}',
    summary: 'Get a balance',
    params: userId,
    fields: { userId: 'user_id' },
    call: (api, { params }) => api.credits.balance({ userId: params.user_id }),
    response: z.object({ user_id: z.number(), credits: z.number(), last_updated: z.string() }),
    respond: (b) => ({ user_id: b.userId, credits: b.balance, last_updated: fastapiTime(b.updatedAt) }),
  }),
  seed({
    method: 'POST',
    path: '/api/credits/{user_id}/add',
    summary: 'Add credits',
    params: userId,
    body: amountBody,
    fields: { userId: 'user_id' },
    call: (api, { params, body }) => api.credits.recharge({ userId: params.user_id, amount: body.amount }),
    response: change('Added 100 credits'),
    respond: (tx, { body }) => changed(`Added ${body.amount} credits`, tx),
    example: { body: { amount: 100 } },
  }),
  seed({
    method: 'POST',
    path: '/api/credits/{user_id}/deduct',
    summary: 'Deduct credits (never below zero)',
    params: userId,
    body: amountBody,
    fields: { userId: 'user_id' },
    call: (api, { params, body }) => api.credits.consume({ userId: params.user_id, amount: body.amount }),
    response: change('Deducted 50 credits'),
    respond: (tx, { body }) => changed(`Deducted ${body.amount} credits`, tx),
    example: { body: { amount: 50 } },
  }),
  seed({
    method: 'PATCH',
    path: '/api/credits/{user_id}/reset',
    summary: 'Reset credits to zero',
    params: userId,
    fields: { userId: 'user_id' },
    call: (api, { params }) => api.credits.reset({ userId: params.user_id }),
    response: z.object({ message: z.string(), user_id: z.number(), credits: z.number(), last_updated: z.string() }),
    respond: (tx) => ({ message: 'Credits reset to zero', user_id: tx.userId, credits: tx.balanceAfter, last_updated: fastapiTime(tx.createdAt) }),
  }),
  seed({
    method: 'POST',
    path: '/api/credits/{user_id}/external-update',
    summary: 'Set a balance from an external source (recorded as an adjustment)',
    params: userId,
    body: z.object({ credits: laxNumber }),
    fields: { userId: 'user_id', balance: 'credits' },
    call: (api, { params, body }) => api.credits.set({ userId: params.user_id, balance: body.credits, reason: 'external update' }),
    response: change('Credits updated to 500'),
    respond: (tx) => changed(`Credits updated to ${tx.balanceAfter}`, tx),
    example: { body: { credits: 500 } },
  }),
  seed({
    method: 'POST',
    path: '/admin/trigger-daily-credits',
    summary: "Run today's daily grant (each user once per UTC day)",
    call: (api) => api.grants.runDaily({}),
    response: z.object({ message: z.string() }),
    respond: () => ({ message: 'Daily credits job triggered successfully' }),
  }),
  seed({
    method: 'PATCH',
    path: '/api/credits/external-update',
    summary: 'Change the schema, seed 002 form: {operation: "add_column", table, column, type, default}',
    body: z.object({
      operation: z.literal('add_column', { error: 'must be add_column' }),
      table: z.string({ error: 'must be a string' }),
      column: z.string({ error: 'must be a string' }),
      type: z.string({ error: 'must be a string' }),
      default: z.union([z.string(), z.number(), z.boolean(), z.null()]).optional(),
    }),
    fields: { 'column.name': 'column', 'column.type': 'type', 'column.default': 'default' },
    call: (api, { body }) => api.schema.addColumn({ table: body.table, column: { name: body.column, type: body.type, default: body.default } }),
    response: message,
    respond: (_, { body }) => ({ message: `Column '${body.column}' added to table '${body.table}' successfully` }),
    example: { body: { operation: 'add_column', table: 'credits', column: 'bonus_points', type: 'integer', default: 0 } },
  }),
  seed({
    method: 'GET',
    path: '/api/schema/tables',
    summary: 'List tables',
    call: (api) => api.schema.tables(),
    response: z.object({ tables: z.array(z.string()) }),
    respond: (tables) => ({ tables: tables.map((t) => t.name) }),
  }),
  seed({
    method: 'POST',
    path: '/api/schema/tables',
    summary: 'Create a table',
    body: z.object({ table_name: z.string({ error: 'must be a string' }), columns: z.array(schemaColumn, { error: 'must be a list of columns' }) }),
    fields: { table: 'table_name' },
    call: (api, { body }) => api.schema.createTable({ table: body.table_name, columns: body.columns.map(column) }),
    response: message,
    respond: (_, { body }) => ({ message: `Table '${body.table_name}' created successfully` }),
    example: {
      body: {
        table_name: 'products',
        columns: [
          { name: 'id', type: 'INT AUTO_INCREMENT PRIMARY KEY', nullable: false },
          { name: 'name', type: 'VARCHAR(255)', nullable: false },
          { name: 'price', type: 'DECIMAL(10,2)', nullable: true, default: '0.00' },
        ],
      },
    },
  }),
  seed({
    method: 'GET',
    path: '/api/schema/tables/{table_name}/columns',
    summary: 'Describe a table',
    params: tableName,
    fields: { table: 'table_name' },
    call: (api, { params }) => api.schema.describe({ table: params.table_name }),
    response: z.object({
      table: z.string(),
      columns: z.array(z.object({ field: z.string(), type: z.string(), null: z.enum(['YES', 'NO']), key: z.string(), default: z.string().nullable(), extra: z.string() })),
    }),
    respond: (t) => ({
      table: t.table,
      columns: t.columns.map((c) => ({ field: c.name, type: c.mysqlType, null: c.nullable ? 'YES' : 'NO', key: c.key, default: c.default, extra: c.extra })),
    }),
    example: { params: { table_name: 'users' } },
  }),
  seed({
    method: 'POST',
    path: '/api/schema/columns',
    summary: 'Add a column',
    body: z.object({ table_name: z.string({ error: 'must be a string' }), column: schemaColumn }),
    fields: { table: 'table_name' },
    call: (api, { body }) => api.schema.addColumn({ table: body.table_name, column: column(body.column) }),
    response: message,
    respond: (_, { body }) => ({ message: `Column '${body.column.name}' added to table '${body.table_name}' successfully` }),
    example: { body: { table_name: 'users', column: { name: 'phone', type: 'VARCHAR(20)', nullable: true } } },
  }),
  seed({
    method: 'DELETE',
    path: '/api/schema/columns/{table_name}/{column_name}',
    summary: 'Drop a column (never one of the service’s own)',
    params: z.object({ table_name: z.string(), column_name: z.string() }),
    fields: { table: 'table_name', column: 'column_name' },
    call: (api, { params }) => api.schema.dropColumn({ table: params.table_name, column: params.column_name }),
    response: message,
    respond: (_, { params }) => ({ message: `Column '${params.column_name}' dropped from table '${params.table_name}' successfully` }),
    example: { params: { table_name: 'users', column_name: 'phone' } },
  }),
  seed({
    method: 'POST',
    path: '/api/schema/update',
    summary: `Change the schema with SQL text, parsed and never run; supported is ${SUPPORTED_SCHEMA_STATEMENTS}`,
    body: z.object({ sql: z.string() }),
    call: (api, { body }) => api.schema.update({ sql: body.sql }),
    response: message,
    respond: (r) =>
      r.operation === 'add_column'
        ? { message: `Column '${r.column}' added to table '${r.table}' successfully` }
        : { message: `Column '${r.column}' dropped from table '${r.table}' successfully` },
    example: { body: { sql: 'ALTER TABLE users ADD COLUMN nickname VARCHAR(50) NULL' } },
  }),
  seed({
    method: 'DELETE',
    path: '/api/schema/tables/{table_name}',
    summary: 'Drop a table (never one of the service’s own)',
    params: tableName,
    fields: { table: 'table_name' },
    call: (api, { params }) => api.schema.dropTable({ table: params.table_name }),
    response: message,
    respond: (_, { params }) => ({ message: `Table '${params.table_name}' dropped successfully` }),
    example: { params: { table_name: 'products' } },
  }),
  seed({
    method: 'POST',
    path: '/api/schema/reflect',
    summary: 'Describe every table',
    call: (api) => api.schema.reflect(),
    response: z.object({
      schema: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean(), key: z.string(), default: z.string().nullable(), extra: z.string() }))),
    }),
    respond: (tables) => ({ schema: Object.fromEntries(tables.map((t) => [t.table, t.columns.map(describedColumn)])) }),
  }),
];
