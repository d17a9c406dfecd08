import { z } from 'zod';
import { type AnyRoute, type RestError, routeFamily } from './route';
import { fastapi } from './surfaces';

/**
 * Seeds 000, 001 and 002: the FastAPI credits services, their paths, bodies and answers. Every
 * route calls a procedure; the only logic here is renaming fields and writing the seeds' texts.
 */

const tag = 'Credits (seeds 000-002)';
const userId = z.object({ user_id: z.coerce.number({ error: 'must be a user id (a number)' }).int() });
const amountBody = z.object({ amount: z.number({ error: 'must be a number' }) });
const userShape = z.object({ user_id: z.number(), email: z.string(), name: z.string() });
const change = (verb: string) => z.object({ message: z.string().describe(`"${verb} 100 credits"`), user_id: z.number(), new_balance: z.number(), last_updated: z.string() });

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

/** Schema management answers 501 until it is built; the routes exist so that clients get a clear answer. */
const schemaRoute = (method: 'GET' | 'POST' | 'DELETE' | 'PATCH', path: string, summary: string) =>
  seed({
    method,
    path,
    summary,
    unavailable: 'Schema management is not available in this version of the service',
    call: async () => undefined,
    response: z.never(),
    respond: () => undefined,
  });

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
    response: userShape,
    respond: (u) => ({ user_id: u.id, email: u.email, name: u.name }),
    example: { body: { email: 'user@example.com', name: 'John Doe' } },
  }),
  seed({
    method: 'GET',
    path: '/users/{user_id}',
    summary: 'Get a user',
    params: userId,
    call: (api, { params }) => api.users.get({ userId: params.user_id }),
    response: userShape,
    respond: (u) => ({ user_id: u.id, email: u.email, name: u.name }),
  }),
  seed({
    method: 'GET',
    path: '/api/credits/{user_id}',
    summary: 'Get a balance',
    params: userId,
    call: (api, { params }) => api.credits.balance({ userId: params.user_id }),
    response: z.object({ user_id: z.number(), credits: z.number(), last_updated: z.string() }),
    respond: (b) => ({ user_id: b.userId, credits: b.balance, last_updated: b.updatedAt.toISOString() }),
  }),
  seed({
    method: 'POST',
    path: '/api/credits/{user_id}/add',
    summary: 'Add credits',
    params: userId,
    body: amountBody,
    call: (api, { params, body }) => api.credits.recharge({ userId: params.user_id, amount: body.amount }),
    response: change('Added'),
    respond: (tx, { body }) => ({ message: `Added ${body.amount} credits`, user_id: tx.userId, new_balance: tx.balanceAfter, last_updated: tx.createdAt.toISOString() }),
    example: { body: { amount: 100 } },
  }),
  seed({
    method: 'POST',
    path: '/api/credits/{user_id}/deduct',
    summary: 'Deduct credits (never below zero)',
    params: userId,
    body: amountBody,
    call: (api, { params, body }) => api.credits.consume({ userId: params.user_id, amount: body.amount }),
    response: change('Deducted'),
    respond: (tx, { body }) => ({ message: `Deducted ${body.amount} credits`, user_id: tx.userId, new_balance: tx.balanceAfter, last_updated: tx.createdAt.toISOString() }),
    example: { body: { amount: 50 } },
  }),
  seed({
    method: 'PATCH',
    path: '/api/credits/{user_id}/reset',
    summary: 'Reset credits to zero',
    params: userId,
    call: (api, { params }) => api.credits.reset({ userId: params.user_id }),
    response: z.object({ message: z.string(), user_id: z.number(), credits: z.number(), last_updated: z.string() }),
    respond: (tx) => ({ message: 'Credits reset to zero', user_id: tx.userId, credits: tx.balanceAfter, last_updated: tx.createdAt.toISOString() }),
  }),
  seed({
    method: 'POST',
    path: '/api/credits/{user_id}/external-update',
    summary: 'Set a balance from an external source (recorded as an adjustment)',
    params: userId,
    body: z.object({ credits: z.number({ error: 'must be a number' }) }),
    fields: { balance: 'credits' },
    call: (api, { params, body }) => api.credits.set({ userId: params.user_id, balance: body.credits, reason: 'external update' }),
    response: z.object({ message: z.string(), user_id: z.number(), credits: z.number(), last_updated: z.string() }),
    respond: (tx) => ({ message: `Credits updated to ${tx.balanceAfter}`, user_id: tx.userId, credits: tx.balanceAfter, last_updated: tx.createdAt.toISOString() }),
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
  schemaRoute('PATCH', '/api/credits/external-update', 'Change the schema (seed 002 form, e.g. add_column)'),
  schemaRoute('GET', '/api/schema/tables', 'List tables'),
  schemaRoute('GET', '/api/schema/tables/{table_name}/columns', 'Describe a table'),
  schemaRoute('POST', '/api/schema/tables', 'Create a table'),
  schemaRoute('POST', '/api/schema/columns', 'Add a column'),
  schemaRoute('DELETE', '/api/schema/columns/{table_name}/{column_name}', 'Drop a column'),
  schemaRoute('DELETE', '/api/schema/tables/{table_name}', 'Drop a table'),
  schemaRoute('POST', '/api/schema/reflect', 'Describe every table'),
];
