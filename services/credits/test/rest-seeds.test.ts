import { beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * Every request the seed documents show, replayed as their clients send it (plus a credential),
 * with the status and the response shape (field names and types) each document gives. The shapes
 * are written here from the documents, not taken from the service.
 */

const service = useTestService();

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_KEY}` }) {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

function expectShape(body: unknown, shape: z.ZodType) {
  const result = shape.safeParse(body);
  expect(result.success, `${JSON.stringify(body)}\n${result.error?.message}`).toBe(true);
}

const detail = z.object({ detail: z.string() });
const timestamp = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'a date-time');

describe('seed 000 (credits API, FastAPI)', () => {
  let userId: number;

  it('GET / and GET /health answer without credentials', async () => {
    expect(await call('GET', '/', undefined, {})).toEqual({ status: 200, body: { message: 'Hello World' } });
    expect(await call('GET', '/health', undefined, {})).toEqual({ status: 200, body: { status: 'healthy' } });
  });

  it('POST /users/ creates a user; a second one with the email is 400', async () => {
    const created = await call('POST', '/users/', { email: 'user@example.com', name: 'John Doe' });
    expect(created.status).toBe(200);
    expectShape(created.body, z.object({ user_id: z.number().int(), email: z.literal('user@example.com'), name: z.literal('John Doe') }));
    userId = (created.body as { user_id: number }).user_id;
    expect(await call('POST', '/users/', { email: 'user@example.com', name: 'John Doe' })).toEqual({
      status: 400,
      body: { detail: 'User with this email already exists' },
    });
  });

  it('GET /users/{user_id}', async () => {
    expect(await call('GET', `/users/${userId}`)).toEqual({ status: 200, body: { user_id: userId, email: 'user@example.com', name: 'John Doe' } });
    expect(await call('GET', '/users/999999')).toEqual({ status: 404, body: { detail: 'User not found' } });
  });

  it('GET /api/credits/{user_id}', async () => {
    const { status, body } = await call('GET', `/api/credits/${userId}`);
    expect(status).toBe(200);
    expectShape(body, z.object({ user_id: z.literal(userId), credits: z.literal(0), last_updated: timestamp }));
  });

  it('POST /api/credits/{user_id}/add and /deduct', async () => {
    const added = await call('POST', `/api/credits/${userId}/add`, { amount: 100 });
    expect(added.status).toBe(200);
    expectShape(added.body, z.object({ message: z.literal('Added 100 credits'), user_id: z.literal(userId), new_balance: z.literal(100), last_updated: timestamp }));
    const deducted = await call('POST', `/api/credits/${userId}/deduct`, { amount: 50 });
    expect(deducted.status).toBe(200);
    expectShape(deducted.body, z.object({ message: z.literal('Deducted 50 credits'), user_id: z.literal(userId), new_balance: z.literal(50), last_updated: timestamp }));
  });

  it('deduct refuses what the balance cannot cover, a non-positive amount, and an unknown user', async () => {
    expect(await call('POST', `/api/credits/${userId}/deduct`, { amount: 51 })).toEqual({ status: 400, body: { detail: 'Insufficient credits' } });
    expect(await call('POST', `/api/credits/${userId}/deduct`, { amount: 0 })).toEqual({ status: 400, body: { detail: 'Amount must be positive' } });
    expect(await call('POST', `/api/credits/${userId}/add`, { amount: -5 })).toEqual({ status: 400, body: { detail: 'Amount must be positive' } });
    expect(await call('POST', '/api/credits/999999/add', { amount: 5 })).toEqual({ status: 404, body: { detail: 'User not found' } });
    expect((await call('GET', `/api/credits/${userId}`)).body).toMatchObject({ credits: 50 });
  });

  it('invalid input is 422 naming the field where it was sent (FastAPI\'s loc), never 500', async () => {
    const cases: [string, string, unknown, string[]][] = [
      ['POST', `/api/credits/${userId}/add`, { amount: 'lots' }, ['body', 'amount']],
      ['POST', `/api/credits/${userId}/add`, {}, ['body', 'amount']],
      ['POST', `/api/credits/${userId}/add`, { amount: 1.00001 }, ['body', 'amount']],
      ['POST', '/users/', { email: 'not-an-email', name: 'X' }, ['body', 'email']],
      ['GET', '/api/credits/abc', undefined, ['path', 'user_id']],
    ];
    for (const [method, path, body, loc] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(422);
      expectShape(res.body, z.object({ detail: z.array(z.object({ type: z.string(), loc: z.array(z.union([z.string(), z.number()])), msg: z.string() })) }));
      expect((res.body as { detail: { loc: string[] }[] }).detail[0]!.loc).toEqual(loc);
    }
    const malformed = await fetch(`${service.url}/api/credits/${userId}/add`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: '{"amount": ',
    });
    expect(malformed.status).toBe(422);
  });

  it('PATCH /api/credits/{user_id}/reset', async () => {
    const { status, body } = await call('PATCH', `/api/credits/${userId}/reset`);
    expect(status).toBe(200);
    expectShape(body, z.object({ message: z.literal('Credits reset to zero'), user_id: z.literal(userId), credits: z.literal(0), last_updated: timestamp }));
  });

  it('POST /admin/trigger-daily-credits', async () => {
    expect(await call('POST', '/admin/trigger-daily-credits')).toEqual({ status: 200, body: { message: 'Daily credits job triggered successfully' } });
    expect((await call('GET', `/api/credits/${userId}`)).body).toMatchObject({ credits: 5 });
    expect(await call('POST', '/admin/trigger-daily-credits')).toEqual({ status: 200, body: { message: 'Daily credits job triggered successfully' } });
    expect((await call('GET', `/api/credits/${userId}`)).body).toMatchObject({ credits: 5 }); // once per day
  });

  it('the schema routes, with the seed document\'s examples and shapes', async () => {
    const tables = await call('GET', '/api/schema/tables');
    expectShape(tables.body, z.object({ tables: z.array(z.string()) }));
    const columns = z.array(z.object({ field: z.string(), type: z.string(), null: z.enum(['YES', 'NO']), key: z.string(), default: z.string().nullable(), extra: z.string() }));
    const described = await call('GET', '/api/schema/tables/users/columns');
    expectShape(described.body, z.object({ table: z.literal('users'), columns }));
    expect((described.body as { columns: unknown[] }).columns[0]).toEqual({ field: 'id', type: 'int', null: 'NO', key: 'PRI', default: null, extra: 'auto_increment' });
    expect((described.body as { columns: { field: string; key: string }[] }).columns.find((c) => c.field === 'email')).toMatchObject({ key: 'UNI', null: 'NO' });
    const steps: [string, string, unknown, string][] = [
      ['POST', '/api/schema/tables', { table_name: 'products', columns: [{ name: 'id', type: 'INT AUTO_INCREMENT PRIMARY KEY', nullable: false }, { name: 'name', type: 'VARCHAR(255)', nullable: false }, { name: 'price', type: 'DECIMAL(10,2)', nullable: true, default: '0.00' }] }, "Table 'products' created successfully"],
      ['POST', '/api/schema/columns', { table_name: 'users', column: { name: 'phone', type: 'VARCHAR(20)', nullable: true } }, "Column 'phone' added to table 'users' successfully"],
      ['DELETE', '/api/schema/columns/users/phone', undefined, "Column 'phone' dropped from table 'users' successfully"],
      ['DELETE', '/api/schema/tables/products', undefined, "Table 'products' dropped successfully"],
    ];
    for (const [method, path, body, message] of steps) expect(await call(method, path, body)).toEqual({ status: 200, body: { message } });
    const reflected = await call('POST', '/api/schema/reflect');
    expect(reflected.status).toBe(200);
    expectShape(reflected.body, z.object({ schema: z.record(z.string(), z.array(z.object({ name: z.string(), type: z.string(), nullable: z.boolean(), key: z.string(), default: z.string().nullable(), extra: z.string() }))) }));
    expect((reflected.body as { schema: Record<string, { name: string }[]> }).schema.users![0]).toEqual({ name: 'id', type: 'int', nullable: false, key: 'PRI', default: null, extra: 'auto_increment' });
  });

  it('without credentials, a route is 401 in the FastAPI form', async () => {
    const res = await call('GET', `/api/credits/${userId}`, undefined, {});
    expect(res.status).toBe(401);
    expectShape(res.body, detail);
  });
});

describe('seed 001 (external update)', () => {
  it('POST /api/credits/{user_id}/external-update sets the balance through a ledger adjustment', async () => {
    const { body: user } = await call('POST', '/users/', { email: 'external@example.com', name: 'Ext' });
    const id = (user as { user_id: number }).user_id;
    const { status, body } = await call('POST', `/api/credits/${id}/external-update`, { credits: 500 });
    expect(status).toBe(200);
    expectShape(body, z.object({ user_id: z.literal(id), credits: z.literal(500), message: z.string(), last_updated: timestamp }));
    const ledger = await service.caller().credits.transactions({ userId: id });
    expect(ledger.items[0]).toMatchObject({ type: 'adjust', amount: 500, balanceAfter: 500 });
    expect((await call('POST', `/api/credits/${id}/external-update`, { credits: -1 })).status).toBe(422);
  });
});

describe('seed 002 (schema change over the credits API)', () => {
  it('PATCH /api/credits/external-update with add_column adds the column', async () => {
    const res = await call('PATCH', '/api/credits/external-update', { operation: 'add_column', table: 'credits', column: 'bonus_points', type: 'integer', default: 0 });
    expect(res).toEqual({ status: 200, body: { message: "Column 'bonus_points' added to table 'credits' successfully" } });
    expect((await call('GET', '/api/schema/tables/credits/columns')).body).toMatchObject({ columns: expect.arrayContaining([expect.objectContaining({ field: 'bonus_points', default: '0' })]) });
  });
});

describe('seed 004 (user service, /api/v1)', () => {
  const user = 'auth0|123456';
  const base = `/api/v1/users/${encodeURIComponent(user)}`;
  const ok = (data: z.ZodType) => z.object({ success: z.literal(true), status: z.literal('success'), message: z.string(), data });
  const failed = z.object({ success: z.literal(false), status: z.literal('error'), message: z.string(), error_code: z.string(), timestamp });
  let sessionId: string;
  let usageId: number;

  beforeAll(async () => {
    await service.caller().users.create({ email: 'auth0user@example.com', name: 'Auth0 User', externalId: user });
  });

  it('POST /users/{user_id}/credits/recharge', async () => {
    const { status, body } = await call('POST', `${base}/credits/recharge`, { amount: 50.0, description: 'Monthly subscription refill', reference_id: 'stripe_payment_123' });
    expect(status).toBe(200);
    expectShape(body, ok(z.object({ id: z.number(), transaction_id: z.string(), user_id: z.literal(user), transaction_type: z.literal('recharge'), amount: z.literal(50), balance_before: z.literal(0), balance_after: z.literal(50), created_at: timestamp })));
  });

  it('POST /users/{user_id}/usage', async () => {
    const { status, body } = await call('POST', `${base}/usage`, {
      user_id: user,
      endpoint: '/api/chat/completion',
      event_type: 'ai_chat',
      credits_charged: 5.0,
      cost_usd: 0.01,
      tokens_used: 1500,
      prompt_tokens: 1000,
      completion_tokens: 500,
      model_name: 'gpt-4',
      provider: 'openai',
      tool_name: 'chat_service',
      operation_name: 'generate_response',
    });
    expect(status).toBe(200);
    expect((body as { message: string }).message).toBe('Usage recorded successfully');
    expectShape(body, ok(z.object({ id: z.number(), user_id: z.literal(user), session_id: z.null(), event_type: z.literal('ai_chat'), credits_charged: z.literal(5), created_at: timestamp })));
    usageId = (body as { data: { id: number } }).data.id;
  });

  it('GET /users/{user_id}/usage with limit, offset and dates', async () => {
    const { status, body } = await call('GET', `${base}/usage?limit=50&offset=0&start_date=2024-01-01T00:00:00Z&end_date=2099-01-31T23:59:59Z`);
    expect(status).toBe(200);
    expectShape(body, ok(z.array(z.object({ id: z.literal(usageId), event_type: z.literal('ai_chat') })).length(1)));
    expectShape((await call('GET', `${base}/usage?limit=50&offset=1`)).body, ok(z.array(z.unknown()).length(0)));
  });

  it('GET /users/{user_id}/usage/stats', async () => {
    const { status, body } = await call('GET', `${base}/usage/stats?start_date=2024-01-01T00:00:00Z&end_date=2099-01-31T23:59:59Z`);
    expect(status).toBe(200);
    expectShape(body, ok(z.object({ total_records: z.literal(1), total_credits_charged: z.literal(5), total_cost_usd: z.literal(0.01), total_tokens_used: z.literal(1500), by_event_type: z.object({ ai_chat: z.literal(1) }), by_model: z.object({ 'gpt-4': z.literal(1) }) })));
  });

  it('POST and GET /users/{user_id}/sessions', async () => {
    const created = await call('POST', `${base}/sessions`, { user_id: user, title: 'Chat about AI development', metadata: { source: 'web_app', type: 'chat_session' } });
    expect(created.status).toBe(200);
    expectShape(created.body, ok(z.object({ id: z.number(), session_id: z.uuid(), user_id: z.literal(user), title: z.literal('Chat about AI development'), status: z.literal('active'), created_at: timestamp })));
    sessionId = (created.body as { data: { session_id: string } }).data.session_id;
    const listed = await call('GET', `${base}/sessions?active_only=true&limit=20&offset=0`);
    expectShape(listed.body, ok(z.array(z.object({ session_id: z.literal(sessionId) })).length(1)));
  });

  it('POST and GET /sessions/{session_id}/messages', async () => {
    const added = await call('POST', `/api/v1/sessions/${sessionId}/messages`, { role: 'user', content: 'Hello, how can AI help with coding?', message_type: 'chat', tokens_used: 10, cost_usd: 0.001 });
    expect(added.status).toBe(200);
    expectShape(added.body, ok(z.object({ id: z.number(), session_id: z.literal(sessionId), role: z.literal('user'), content: z.string(), message_type: z.literal('chat'), tokens_used: z.literal(10), cost_usd: z.literal(0.001) })));
    const listed = await call('GET', `/api/v1/sessions/${sessionId}/messages?limit=100&offset=0`);
    expectShape(listed.body, ok(z.array(z.object({ content: z.literal('Hello, how can AI help with coding?') })).length(1)));
  });

  it('PUT /sessions/{session_id}/status, and an illegal move is 400', async () => {
    const moved = await call('PUT', `/api/v1/sessions/${sessionId}/status`, { status: 'completed' });
    expect(moved.status).toBe(200);
    expectShape(moved.body, ok(z.object({ session_id: z.literal(sessionId), user_id: z.literal(user), status: z.literal('completed') })));
    const illegal = await call('PUT', `/api/v1/sessions/${sessionId}/status`, { status: 'active' });
    expect(illegal.status).toBe(400);
    expectShape(illegal.body, failed);
  });

  it('POST /users/{user_id}/credits/consume, and 400 naming the error when credits run short', async () => {
    const { status, body } = await call('POST', `${base}/credits/consume`, { amount: 10.5, description: 'AI chat completion', usage_record_id: usageId });
    expect(status).toBe(200);
    expectShape(body, ok(z.object({ id: z.number(), transaction_id: z.string(), user_id: z.literal(user), transaction_type: z.literal('consume'), amount: z.literal(10.5), balance_before: z.literal(50), balance_after: z.literal(39.5), created_at: timestamp })));
    const short = await call('POST', `${base}/credits/consume`, { amount: 1000 });
    expect(short.status).toBe(400);
    expectShape(short.body, failed);
    expect((short.body as { error_code: string }).error_code).toBe('InsufficientCreditsException');
  });

  it('GET /users/{user_id}/credits/balance: data is the bare number', async () => {
    expect(await call('GET', `${base}/credits/balance`)).toEqual({
      status: 200,
      body: { success: true, status: 'success', message: 'Credit balance retrieved successfully', data: 39.5 },
    });
  });

  it('GET /users/{user_id}/credits/transactions?transaction_type=consume', async () => {
    const { status, body } = await call('GET', `${base}/credits/transactions?transaction_type=consume&limit=50&offset=0`);
    expect(status).toBe(200);
    expectShape(body, ok(z.array(z.object({ transaction_type: z.literal('consume'), amount: z.literal(10.5), usage_record_id: z.literal(usageId) })).length(1)));
  });

  it('errors come in the error envelope: unknown user 404, bad input 400 naming the field, no credentials 401', async () => {
    const missing = await call('GET', `/api/v1/users/${encodeURIComponent('auth0|nobody')}/credits/balance`);
    expect(missing.status).toBe(404);
    expectShape(missing.body, failed);
    expect((missing.body as { error_code: string; message: string })).toMatchObject({ error_code: 'UserNotFoundException', message: 'User not found: auth0|nobody' });

    const bad = await call('POST', `${base}/credits/consume`, { amount: 0.000001 });
    expect(bad.status).toBe(400);
    expect((bad.body as { message: string }).message).toBe('Invalid input: amount must have at most 4 decimal places');
    const badQuery = await call('GET', `${base}/usage?limit=0`);
    expect(badQuery.status).toBe(400);
    expect((badQuery.body as { message: string }).message).toMatch(/^Invalid input: limit /);

    const anonymous = await call('GET', `${base}/credits/balance`, undefined, {});
    expect(anonymous.status).toBe(401);
    expectShape(anonymous.body, failed);
  });
});
