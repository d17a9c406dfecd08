import { describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * Each seed document (shared/seeds 000, 001, 002 and 004), replayed: every request it shows, in
 * the order it shows them, sent as its clients send them (adapted only by base URL and a
 * credential header), and each answer compared with the document: the status, and the answer's
 * field names (recursively) with the JSON kind of each documented value. The documented answers
 * below are copied from the documents; where a document shows no answer, the status and the
 * answer's envelope are checked.
 *
 * Placeholders are bound to real records: {user_id} to the user the replay made, "session-uuid"
 * and {session_id} to sessions the replay made.
 */

const service = useTestService();

interface Answer {
  status: number;
  body: unknown;
}

async function send(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

/**
 * The documented answer's fields are all in the actual one, each of the documented JSON kind,
 * recursively. A documented null admits any value; a documented {} any object (a map whose keys
 * are data, e.g. by_event_type); a documented array's first item describes every actual item.
 * `same` names fields whose documented values must be answered exactly (fixed texts).
 */
function expectDocumented(actual: unknown, documented: unknown, same: string[] = [], at = 'answer'): void {
  if (documented === null) return;
  expect(kind(actual), `${at}: ${JSON.stringify(actual)}`).toBe(kind(documented));
  if (Array.isArray(documented)) {
    if (documented.length) for (const [i, item] of (actual as unknown[]).entries()) expectDocumented(item, documented[0], same, `${at}[${i}]`);
    return;
  }
  if (kind(documented) !== 'object') return;
  for (const [key, value] of Object.entries(documented as Record<string, unknown>)) {
    const actualValue = (actual as Record<string, unknown>)[key];
    expect(actual, `${at} has the documented field ${key}`).toHaveProperty([key]);
    if (same.includes(key)) expect(actualValue, `${at}.${key}`).toEqual(value);
    else expectDocumented(actualValue, value, same, `${at}.${key}`);
  }
}

const kind = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value);

/** Sends a documented request and compares its answer with the documented one. */
async function replay(method: string, path: string, body: unknown, documented: { status?: number; body?: unknown; same?: string[] } = {}) {
  const answer = await send(method, path, body);
  expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(documented.status ?? 200);
  if (documented.body !== undefined) expectDocumented(answer.body, documented.body, documented.same);
  return answer.body as Record<string, unknown> & { data: Record<string, unknown> };
}

describe('seed 000: the FastAPI credits API on MySQL', () => {
  it('replays its document in order', async () => {
    const same = ['message', 'detail', 'status', 'email', 'name', 'table'];
    const user = await replay('POST', '/users/', { email: 'user@example.com', name: 'John Doe' }, { body: { user_id: 1, email: 'user@example.com', name: 'John Doe' }, same });
    const id = user.user_id as number;
    await replay('GET', `/users/${id}`, undefined, { body: { user_id: 1, email: 'user@example.com', name: 'John Doe' }, same });

    await replay('GET', `/api/credits/${id}`, undefined, { body: { user_id: 1, credits: 150, last_updated: '2025-01-14T12:30:45.123456' } });
    await replay('POST', `/api/credits/${id}/add`, { amount: 100 }, {
      body: { message: 'Added 100 credits', user_id: 1, new_balance: 250, last_updated: '2025-01-14T12:35:20.654321' },
      same,
    });
    await replay('POST', `/api/credits/${id}/deduct`, { amount: 50 }, {
      body: { message: 'Deducted 50 credits', user_id: 1, new_balance: 200, last_updated: '2025-01-14T12:40:15.789012' },
      same,
    });
    await replay('POST', `/api/credits/${id}/deduct`, { amount: 1000 }, { status: 400, body: { detail: 'Insufficient credits' }, same });
    await replay('PATCH', `/api/credits/${id}/reset`, undefined, {
      body: { message: 'Credits reset to zero', user_id: 1, credits: 0, last_updated: '2025-01-14T12:45:30.345678' },
      same,
    });

    await replay('POST', '/admin/trigger-daily-credits', undefined, { body: { message: 'Daily credits job triggered successfully' }, same });

    const tables = await replay('GET', '/api/schema/tables', undefined, { body: { tables: ['users', 'credits', 'products'] } });
    expect(tables.tables).toEqual(expect.arrayContaining(['users', 'credits']));
    const described = await replay('GET', '/api/schema/tables/users/columns', undefined, {
      body: {
        table: 'users',
        columns: [
          { field: 'user_id', type: 'int', null: 'NO', key: 'PRI', default: null, extra: 'auto_increment' },
          { field: 'email', type: 'varchar(255)', null: 'NO', key: 'UNI', default: null, extra: '' },
        ],
      },
      same: ['table'],
    });
    // The seed's users table calls its key user_id, ours id; its email is varchar(255), ours varchar(254) (an address's
    // longest); the rest as documented.
    expect((described.columns as unknown[]).slice(0, 2)).toEqual([
      { field: 'id', type: 'int', null: 'NO', key: 'PRI', default: null, extra: 'auto_increment' },
      expect.objectContaining({ field: 'email', type: 'varchar(254)', null: 'NO', key: 'UNI', default: null, extra: '' }),
    ]);
    await replay(
      'POST',
      '/api/schema/tables',
      {
        table_name: 'products',
        columns: [
          { name: 'id', type: 'INT AUTO_INCREMENT PRIMARY KEY', nullable: false },
          { name: 'name', type: 'VARCHAR(255)', nullable: false },
          { name: 'price', type: 'DECIMAL(10,2)', nullable: true, default: '0.00' },
        ],
      },
      { body: { message: "Table 'products' created successfully" }, same },
    );
    await replay('POST', '/api/schema/columns', { table_name: 'users', column: { name: 'phone', type: 'VARCHAR(20)', nullable: true } }, {
      body: { message: "Column 'phone' added to table 'users' successfully" },
      same,
    });
    await replay('DELETE', '/api/schema/columns/users/phone', undefined, { body: { message: "Column 'phone' dropped from table 'users' successfully" }, same });
    await replay('DELETE', '/api/schema/tables/products', undefined, { body: { message: "Table 'products' dropped successfully" }, same });
    const reflected = await replay('POST', '/api/schema/reflect', undefined, {
      body: {
        schema: {
          users: [{ name: 'user_id', type: 'int', nullable: false, key: 'PRI', default: null, extra: 'auto_increment' }],
          credits: [{ name: 'id', type: 'int', nullable: false, key: 'PRI', default: null, extra: 'auto_increment' }],
        },
      },
    });
    expect((reflected.schema as Record<string, unknown[]>).users![0]).toEqual({ name: 'id', type: 'int', nullable: false, key: 'PRI', default: null, extra: 'auto_increment' });

    await replay('GET', '/', undefined, { body: { message: 'Hello World' }, same });
    await replay('GET', '/health', undefined, { body: { status: 'healthy' }, same });
  });
});

describe('seed 001: the FastAPI credits API on PostgreSQL, its clients read `credits`', () => {
  it('replays its document in order', async () => {
    const user = await replay('POST', '/users/', { email: 'user001@example.com', name: 'Test User' }, { body: { user_id: 1, email: '', name: '' } });
    const id = user.user_id as number;
    // The document shows no answers; its implementation answered {user_id, credits, last_updated}, which its clients read.
    const balance = { user_id: 1, credits: 0, last_updated: '' };
    await replay('GET', `/api/credits/${id}`, undefined, { body: balance });
    expect((await replay('POST', `/api/credits/${id}/add`, { amount: 50 }, { body: balance })).credits).toBe(50);
    expect((await replay('POST', `/api/credits/${id}/deduct`, { amount: 20 }, { body: balance })).credits).toBe(30);
    expect((await replay('PATCH', `/api/credits/${id}/reset`, undefined, { body: balance })).credits).toBe(0);
    expect((await replay('POST', `/api/credits/${id}/external-update`, { credits: 500 }, { body: balance })).credits).toBe(500);
  });
});

describe('seed 002: the LawVriksh credits API, with its external schema update', () => {
  it('replays its document in order', async () => {
    // The document has no user route: its users exist already.
    const id = (await service.newUser()).id;
    const balance = { user_id: 1, credits: 0, last_updated: '' };
    await replay('GET', `/api/credits/${id}`, undefined, { body: balance });
    expect((await replay('POST', `/api/credits/${id}/add`, { amount: 10 }, { body: balance })).credits).toBe(10);
    expect((await replay('POST', `/api/credits/${id}/deduct`, { amount: 5 }, { body: balance })).credits).toBe(5);
    expect((await replay('PATCH', `/api/credits/${id}/reset`, undefined, { body: balance })).credits).toBe(0);
    await replay('PATCH', '/api/credits/external-update', { operation: 'add_column', table: 'credits', column: 'bonus_points', type: 'integer', default: 0 }, {
      body: { message: '' },
    });
    const columns = (await service.caller().schema.describe({ table: 'credits' })).columns;
    expect(columns.find((c) => c.name === 'bonus_points')).toMatchObject({ type: 'integer', default: '0' });
  });
});

describe('seed 004: the unified user service', () => {
  it('replays its document in order, its Python examples included', async () => {
    const userId = 'auth0|123456';
    const user = `/api/v1/users/${encodeURIComponent(userId)}`;
    // The document's user exists and holds credits (its consume example starts from 100.0).
    await service.caller().users.create({ email: 'auth0-123456@example.com', name: 'Seed 004', externalId: userId });
    await service.caller().credits.recharge({ userId, amount: 100 });
    // "session-uuid" in the document: a session of the user's.
    const sessionUuid = (await service.caller().sessions.create({ userId, title: 'bound to session-uuid' })).sessionId;
    const envelope = { success: true, status: 'success', message: '', data: null };

    // Usage Records API
    const usage = await replay('POST', `${user}/usage`, {
      user_id: userId,
      session_id: sessionUuid,
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
    }, {
      body: {
        success: true,
        status: 'success',
        message: 'Usage recorded successfully',
        data: { id: 123, user_id: 'auth0|123456', session_id: 'session-uuid', event_type: 'ai_chat', credits_charged: 5.0, created_at: '2024-01-15T10:30:00Z' },
      },
      same: ['success', 'status', 'message', 'user_id', 'event_type', 'credits_charged'],
    });
    expect(usage.data.session_id).toBe(sessionUuid);
    const history = await replay('GET', `${user}/usage?limit=50&offset=0&start_date=2024-01-01T00:00:00Z&end_date=2024-01-31T23:59:59Z`, undefined, { body: envelope });
    expect(history.data).toEqual([]); // January 2024: before anything was recorded
    await replay('GET', `${user}/usage/stats?start_date=2024-01-01T00:00:00Z&end_date=2024-01-31T23:59:59Z`, undefined, {
      body: {
        success: true,
        data: { total_records: 150, total_credits_charged: 750.5, total_cost_usd: 15.01, total_tokens_used: 225000, by_event_type: {}, by_model: {} },
      },
      same: ['success'],
    });

    // Session Management API
    const session = await replay('POST', `${user}/sessions`, { user_id: userId, title: 'Chat about AI development', metadata: { source: 'web_app', type: 'chat_session' } }, {
      body: {
        success: true,
        data: { id: 789, session_id: 'uuid-generated', user_id: 'auth0|123456', title: 'Chat about AI development', status: 'active', created_at: '2024-01-15T10:30:00Z' },
      },
      same: ['success', 'user_id', 'title', 'status'],
    });
    const sessionId = session.data.session_id as string;
    await replay('GET', `${user}/sessions?active_only=true&limit=20&offset=0`, undefined, { body: { ...envelope, data: [{ session_id: '' }] } });
    // {session_id}: the status change goes to the session "session-uuid" named, the messages to the
    // one just created (here a completed session takes no more messages).
    await replay('PUT', `/api/v1/sessions/${sessionUuid}/status`, { status: 'completed' }, { body: { ...envelope, data: { session_id: '', status: 'completed' } }, same: ['status'] });
    await replay('POST', `/api/v1/sessions/${sessionId}/messages`, { role: 'user', content: 'Hello, how can AI help with coding?', message_type: 'chat', tokens_used: 10, cost_usd: 0.001 }, {
      body: envelope,
    });
    const messages = await replay('GET', `/api/v1/sessions/${sessionId}/messages?limit=100&offset=0`, undefined, { body: envelope });
    expect(messages.data).toMatchObject([{ role: 'user', content: 'Hello, how can AI help with coding?', message_type: 'chat', tokens_used: 10, cost_usd: 0.001 }]);

    // Credit Transaction API
    // usage_record_id 123: the document's usage record, which here is the one recorded above (a
    // consume may name only a record of its own user).
    await replay('POST', `${user}/credits/consume`, { amount: 10.5, description: 'AI chat completion', usage_record_id: usage.data.id }, {
      body: {
        success: true,
        data: {
          id: 456,
          transaction_id: 'txn-uuid',
          user_id: 'auth0|123456',
          transaction_type: 'consume',
          amount: 10.5,
          balance_before: 100.0,
          balance_after: 89.5,
          created_at: '2024-01-15T10:30:00Z',
        },
      },
      same: ['success', 'user_id', 'transaction_type', 'amount', 'balance_before', 'balance_after'],
    });
    await replay('POST', `${user}/credits/recharge`, { amount: 50.0, description: 'Monthly subscription refill', reference_id: 'stripe_payment_123' }, { body: envelope });
    await replay('GET', `${user}/credits/balance`, undefined, {
      body: { success: true, data: 139.5, message: 'Credit balance retrieved successfully' },
      same: ['success', 'data', 'message'],
    });
    const consumed = await replay('GET', `${user}/credits/transactions?transaction_type=consume&limit=50&offset=0`, undefined, { body: envelope });
    expect(consumed.data).toMatchObject([{ transaction_type: 'consume', amount: 10.5 }]);

    // Error Handling
    await replay('GET', `/api/v1/users/${encodeURIComponent('auth0|654321')}/credits/balance`, undefined, {
      status: 404,
      body: { success: false, status: 'error', message: 'User not found: auth0|654321', error_code: 'UserNotFoundException', timestamp: '2024-01-15T10:30:00Z' },
      same: ['success', 'status', 'message', 'error_code'],
    });

    // Usage Examples for Other Services: record_memory_usage(user_id, session_id, tokens_used=1500)
    const tokensUsed = 1500;
    const memory = await replay('POST', `${user}/usage`, {
      user_id: userId,
      session_id: sessionId,
      endpoint: '/memory/store',
      event_type: 'memory_storage',
      credits_charged: tokensUsed * 0.01,
      tokens_used: tokensUsed,
      tool_name: 'memory_service',
      operation_name: 'store_memory',
    }, { body: envelope });
    // create_terminal_session(user_id, title)
    await replay('POST', `${user}/sessions`, { user_id: userId, title: 'Terminal', metadata: { source: 'terminal_service', type: 'terminal_session' } }, {
      body: { ...envelope, data: { session_id: '', status: 'active' } },
    });
    // consume_credits_for_api_call: enough credits, then too few (400, and then the balance as response.json()["data"]).
    const usageRecordId = memory.data.id as number;
    await replay('POST', `${user}/credits/consume`, { amount: 9.5, description: 'Terminal API execution', usage_record_id: usageRecordId }, { body: envelope });
    await replay('POST', `${user}/credits/consume`, { amount: 1000, description: 'Terminal API execution', usage_record_id: usageRecordId }, {
      status: 400,
      body: { success: false, status: 'error', message: '', error_code: 'InsufficientCreditsException', timestamp: '' },
      same: ['success', 'status', 'error_code'],
    });
    const current = await replay('GET', `${user}/credits/balance`, undefined, { body: { success: true, data: 0 }, same: ['success'] });
    expect(current.data).toBe(130);
  });
});
