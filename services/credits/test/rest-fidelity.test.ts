import { describe, expect, it } from 'vitest';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * The earlier systems' clients, unchanged: what they read in our answers (issue 17, one describe
 * per point; point 6, a recharge reference credits once, is recharge-reference.test.ts).
 */

const service = useTestService();
const admin = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

async function call(method: string, path: string, body?: unknown, raw?: string) {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { ...admin, ...(body === undefined && raw === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(raw !== undefined ? { body: raw } : body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> & { detail?: unknown } };
}

const newUserId = async (balance = 0) => (await service.newUser({ balance })).id;

describe('1. add, deduct and external update answer both credits and new_balance', () => {
  it('with the message of seed 000 and the credits of seeds 001 and 002', async () => {
    const id = await newUserId();
    const added = await call('POST', `/api/credits/${id}/add`, { amount: 100 });
    expect(added.status).toBe(200);
    expect(added.body).toMatchObject({ message: 'Added 100 credits', user_id: id, credits: 100, new_balance: 100 });
    const deducted = await call('POST', `/api/credits/${id}/deduct`, { amount: 20 });
    expect(deducted.body).toMatchObject({ message: 'Deducted 20 credits', user_id: id, credits: 80, new_balance: 80 });
    const updated = await call('POST', `/api/credits/${id}/external-update`, { credits: 500 });
    expect(updated.body).toMatchObject({ message: 'Credits updated to 500', user_id: id, credits: 500, new_balance: 500 });
    for (const { body } of [added, deducted, updated]) expect(Object.keys(body).sort()).toEqual(['credits', 'last_updated', 'message', 'new_balance', 'user_id']);
  });
});

describe('2. timestamps as FastAPI writes a naive UTC datetime on the seed 000-002 surface', () => {
  const naive = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}$/;

  it('last_updated is YYYY-MM-DDTHH:MM:SS.ffffff, no zone, in UTC', async () => {
    const id = await newUserId();
    const answers = [
      await call('GET', `/api/credits/${id}`),
      await call('POST', `/api/credits/${id}/add`, { amount: 10 }),
      await call('POST', `/api/credits/${id}/deduct`, { amount: 1 }),
      await call('PATCH', `/api/credits/${id}/reset`),
      await call('POST', `/api/credits/${id}/external-update`, { credits: 3 }),
    ];
    for (const { status, body } of answers) {
      expect(status).toBe(200);
      expect(body.last_updated).toMatch(naive);
      // Read as UTC (what Python's datetime.fromisoformat gives a naive client), it is now.
      expect(Math.abs(Date.parse(`${String(body.last_updated).slice(0, 23)}Z`) - Date.now())).toBeLessThan(60_000);
    }
  });

  it('seed 004 keeps its …Z', async () => {
    await service.newUser({ externalId: 'auth0|timestamps' });
    const { body } = await call('POST', `/api/v1/users/${encodeURIComponent('auth0|timestamps')}/credits/recharge`, { amount: 1 });
    expect((body.data as { created_at: string }).created_at).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });
});

describe("3. FastAPI's (Pydantic 2's) validation errors", () => {
  it('a missing field: type missing, loc [body, field], msg Field required, input the body', async () => {
    const id = await newUserId();
    expect(await call('POST', `/api/credits/${id}/add`, {})).toMatchObject({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['body', 'amount'], msg: 'Field required', input: {} }] },
    });
    const both = await call('POST', '/users/', {});
    expect(both.status).toBe(422);
    expect(both.body.detail).toEqual([
      { type: 'missing', loc: ['body', 'email'], msg: 'Field required', input: {} },
      { type: 'missing', loc: ['body', 'name'], msg: 'Field required', input: {} },
    ]);
  });

  it('types: float_parsing, float_type, string_type, int_parsing (path), model_attributes_type, json_invalid', async () => {
    const id = await newUserId();
    const cases: [string, string, unknown, unknown][] = [
      ['POST', `/api/credits/${id}/add`, { amount: 'lots' }, { type: 'float_parsing', loc: ['body', 'amount'], msg: 'Input should be a valid number, unable to parse string as a number', input: 'lots' }],
      ['POST', `/api/credits/${id}/add`, { amount: true }, { type: 'float_type', loc: ['body', 'amount'], msg: 'Input should be a valid number', input: true }],
      ['POST', `/api/credits/${id}/deduct`, { amount: [1] }, { type: 'float_type', loc: ['body', 'amount'], msg: 'Input should be a valid number', input: [1] }],
      ['POST', `/api/credits/${id}/external-update`, { credits: null }, { type: 'float_type', loc: ['body', 'credits'], msg: 'Input should be a valid number', input: null }],
      ['POST', '/users/', { email: 5, name: 'X' }, { type: 'string_type', loc: ['body', 'email'], msg: 'Input should be a valid string', input: 5 }],
      ['GET', '/api/credits/abc', undefined, { type: 'int_parsing', loc: ['path', 'user_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: 'abc' }],
      ['GET', '/users/1.5', undefined, { type: 'int_parsing', loc: ['path', 'user_id'], msg: 'Input should be a valid integer, unable to parse string as an integer', input: '1.5' }],
      ['POST', `/api/credits/${id}/add`, [1], { type: 'model_attributes_type', loc: ['body'], msg: 'Input should be a valid dictionary or object to extract fields from', input: [1] }],
      ['PATCH', '/api/credits/external-update', { operation: 'drop_table', table: 't', column: 'c', type: 'integer' }, { type: 'literal_error', loc: ['body', 'operation'], input: 'drop_table' }],
    ];
    for (const [method, path, body, expected] of cases) {
      const res = await call(method, path, body);
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(422);
      expect((res.body.detail as unknown[])[0], `${method} ${path} ${JSON.stringify(body)}`).toMatchObject(expected as object);
    }
    expect(await call('GET', '/users/%E0%A4%A')).toMatchObject({ status: 422, body: { detail: [{ type: 'value_error', loc: ['path', 'user_id'], input: '%E0%A4%A' }] } });
    const malformed = await call('POST', `/api/credits/${id}/add`, undefined, '{"amount": ');
    expect(malformed.status).toBe(422);
    expect(malformed.body.detail).toEqual([{ type: 'json_invalid', loc: ['body', 11], msg: 'JSON decode error' }]);
  });

  it('our own rules are value_error with our message, where Pydantic\'s would mislead', async () => {
    const id = await newUserId();
    expect((await call('POST', `/api/credits/${id}/add`, { amount: 1.00001 })).body.detail).toEqual([
      { type: 'value_error', loc: ['body', 'amount'], msg: 'must have at most 4 decimal places', input: 1.00001 },
    ]);
    expect((await call('POST', '/users/', { email: 'not-an-email', name: 'X' })).body.detail).toMatchObject([{ type: 'value_error', loc: ['body', 'email'], input: 'not-an-email' }]);
    expect((await call('GET', '/api/credits/0')).body.detail).toMatchObject([{ type: 'value_error', loc: ['path', 'user_id'], input: '0' }]);
  });

  it('lax numbers as Pydantic: "10" and "10.5" are amounts on seeds 000-002; booleans are not; seed 004 stays strict', async () => {
    const id = await newUserId();
    expect((await call('POST', `/api/credits/${id}/add`, { amount: '10' })).body).toMatchObject({ message: 'Added 10 credits', new_balance: 10 });
    expect((await call('POST', `/api/credits/${id}/add`, { amount: ' 10.5 ' })).body).toMatchObject({ message: 'Added 10.5 credits', new_balance: 20.5 });
    expect((await call('POST', `/api/credits/${id}/deduct`, { amount: '0.5' })).body).toMatchObject({ new_balance: 20 });
    expect((await call('POST', `/api/credits/${id}/external-update`, { credits: '7' })).body).toMatchObject({ credits: 7 });
    expect((await call('POST', `/api/credits/${id}/add`, { amount: 'false' })).status).toBe(422);
    expect((await call('POST', `/api/credits/${id}/add`, { amount: false })).status).toBe(422);
    expect((await call('POST', `/api/credits/${id}/add`, { amount: '' })).status).toBe(422);
    expect((await call('POST', `/api/credits/${id}/add`, { amount: '1.00001' })).body.detail).toMatchObject([{ type: 'value_error', input: '1.00001' }]);
    expect((await call('POST', `/api/credits/${id}/deduct`, { amount: '-5' })).body).toEqual({ detail: 'Amount must be positive' });
    // A long string of digits is refused at once (the pattern does not backtrack), and not echoed back whole.
    const started = performance.now();
    const long = await call('POST', `/api/credits/${id}/add`, { amount: `${'1'.repeat(500_000)}x` });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(long).toMatchObject({ status: 422, body: { detail: [{ type: 'float_parsing', loc: ['body', 'amount'] }] } });
    expect((long.body.detail as object[])[0]).not.toHaveProperty('input');
    // Nested deeper than JSON can be written back: answered all the same.
    const deep = await call('POST', `/api/credits/${id}/add`, undefined, `{"json":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    expect(deep).toMatchObject({ status: 422, body: { detail: [{ type: 'missing', loc: ['body', 'amount'], msg: 'Field required' }] } });

    await service.newUser({ externalId: 'auth0|strict' });
    const strict = await call('POST', `/api/v1/users/${encodeURIComponent('auth0|strict')}/credits/recharge`, { amount: '10' });
    expect(strict.status).toBe(400);
    expect(strict.body.message).toBe('Invalid input: amount must be a number');
    expect((await service.caller().credits.balance({ userId: 'auth0|strict' })).balance).toBe(0);
  });
});

describe('4. the schema routes speak MySQL', () => {
  const mysqlTypes: [string, string, string][] = [
    // declared, shown back on the seed surface (as MySQL shows it), PostgreSQL's type
    ['DATETIME', 'datetime', 'timestamp without time zone'],
    ['FLOAT', 'float', 'real'],
    ['DOUBLE', 'double', 'double precision'],
    ['TINYINT(1)', 'tinyint(1)', 'boolean'],
    ['BOOL', 'tinyint(1)', 'boolean'],
    ['SMALLINT', 'smallint', 'smallint'],
    ['MEDIUMINT', 'mediumint', 'integer'],
    ['INT UNSIGNED', 'int unsigned', 'bigint'],
    ['CHAR(10)', 'char(10)', 'character(10)'],
    ['MEDIUMTEXT', 'mediumtext', 'text'],
    ['LONGTEXT', 'longtext', 'text'],
    ['JSON', 'json', 'jsonb'],
    ['TIMESTAMP', 'timestamp', 'timestamp with time zone'],
    ['INT(11)', 'int', 'integer'],
  ];

  it('each MySQL type is accepted, mapped to its PostgreSQL type and shown back as MySQL showed it', async () => {
    const columns = mysqlTypes.map(([type], i) => ({ name: `c${i}`, type, nullable: true }));
    expect(await call('POST', '/api/schema/tables', { table_name: 'mysql_types', columns: [{ name: 'id', type: 'INT AUTO_INCREMENT PRIMARY KEY', nullable: false }, ...columns] })).toMatchObject({ status: 200 });
    const described = (await call('GET', '/api/schema/tables/mysql_types/columns')).body.columns as { field: string; type: string }[];
    expect(described.map((c) => c.type)).toEqual(['int', ...mysqlTypes.map(([, shown]) => shown)]);
    const reflected = ((await call('POST', '/api/schema/reflect')).body.schema as Record<string, { type: string }[]>).mysql_types!;
    expect(reflected.map((c) => c.type)).toEqual(['int', ...mysqlTypes.map(([, shown]) => shown)]);
    const postgres = (await service.caller().schema.describe({ table: 'mysql_types' })).columns;
    expect(postgres.map((c) => c.type)).toEqual(['integer', ...mysqlTypes.map(([, , pg]) => pg)]);

    // Added one at a time, the same.
    for (const [i, [type, shown]] of mysqlTypes.entries()) {
      expect((await call('POST', '/api/schema/columns', { table_name: 'mysql_types', column: { name: `d${i}`, type } })).status).toBe(200);
      const column = ((await call('GET', '/api/schema/tables/mysql_types/columns')).body.columns as { field: string; type: string }[]).find((c) => c.field === `d${i}`);
      expect(column?.type).toBe(shown);
    }
  });

  it('MySQL defaults: DEFAULT 1 on TINYINT(1), a zone-less DATETIME and TIMESTAMP, and INT UNSIGNED kept to its range', async () => {
    const add = (name: string, type: string, value: unknown) => call('POST', '/api/schema/columns', { table_name: 'users', column: { name, type, default: value } });
    expect((await add('is_active', 'TINYINT(1)', 1)).status).toBe(200);
    expect((await add('seen_at', 'DATETIME', '2024-01-15 10:30:00')).status).toBe(200);
    expect((await add('paid_at', 'TIMESTAMP', '2024-01-15 10:30:00')).status).toBe(200);
    expect((await add('visits', 'INT UNSIGNED', 0)).status).toBe(200);
    expect(await add('bad_visits', 'INT UNSIGNED', -1)).toMatchObject({ status: 400, body: { detail: 'default: must be a whole number in range for a bigint column' } });
    const columns = (await service.caller().schema.describe({ table: 'users' })).columns;
    expect(columns.filter((c) => ['is_active', 'seen_at', 'paid_at', 'visits'].includes(c.name)).map((c) => [c.name, c.default])).toEqual([
      ['is_active', 'true'],
      ['seen_at', '2024-01-15 10:30:00'],
      ['paid_at', '2024-01-15 10:30:00+00'],
      ['visits', '0'],
    ]);
    const id = await newUserId();
    await expect(service.sql('update users set visits = -1 where id = ?', [id])).rejects.toThrow(/check constraint/);
    await expect(service.sql('update users set visits = 4294967296 where id = ?', [id])).rejects.toThrow(/check constraint/);
  });

  it('POST /api/schema/update: ALTER TABLE ... ADD COLUMN / DROP COLUMN, parsed and mapped onto the safe operations', async () => {
    const steps: [string, string][] = [
      ["ALTER TABLE users ADD COLUMN nickname VARCHAR(50) NULL DEFAULT 'none'", "Column 'nickname' added to table 'users' successfully"],
      ['ALTER TABLE `users` ADD `score` INT UNSIGNED NOT NULL DEFAULT 0', "Column 'score' added to table 'users' successfully"],
      ['alter table users add column verified bool default false', "Column 'verified' added to table 'users' successfully"],
      ["ALTER TABLE users ADD COLUMN it_s TEXT DEFAULT 'it''s'", "Column 'it_s' added to table 'users' successfully"],
      ['ALTER TABLE users DROP COLUMN nickname', "Column 'nickname' dropped from table 'users' successfully"],
    ];
    for (const [sql, message] of steps) expect(await call('POST', '/api/schema/update', { sql })).toEqual({ status: 200, headers: expect.anything(), body: { message } });
    const columns = (await service.caller().schema.describe({ table: 'users' })).columns;
    expect(columns.find((c) => c.name === 'score')).toMatchObject({ type: 'bigint', mysqlType: 'int unsigned', nullable: false, default: '0' });
    expect(columns.find((c) => c.name === 'verified')).toMatchObject({ type: 'boolean', nullable: true, default: 'false' });
    expect(columns.find((c) => c.name === 'it_s')).toMatchObject({ default: "it's" });
    expect(columns.find((c) => c.name === 'nickname')).toBeUndefined();
    const history = (await service.caller().schema.history({ limit: 1 })).items[0]!;
    expect(history).toMatchObject({ operation: 'drop_column', table: 'users', column: 'nickname', sql: ['alter table "users" drop column "nickname"'] });
  });

  it('anything else is 400 naming what is supported, and nothing is run', async () => {
    const refused = [
      'DROP TABLE credits',
      'ALTER TABLE users ADD COLUMN a INT; DROP TABLE credits',
      'ALTER TABLE users ADD COLUMN a INT, ADD COLUMN b INT',
      'ALTER TABLE users MODIFY COLUMN email TEXT',
      'ALTER TABLE users RENAME TO people',
      'ALTER TABLE users ADD INDEX idx_name (name)',
      'ALTER TABLE users ADD COLUMN a INT AUTO_INCREMENT',
      "ALTER TABLE users ADD COLUMN a INT COMMENT 'x'",
      'ALTER TABLE users ADD COLUMN a DATETIME DEFAULT CURRENT_TIMESTAMP',
      'ALTER TABLE users ADD COLUMN a INT DEFAULT (1 + 2)',
      'ALTER TABLE other.users ADD COLUMN a INT',
      'SELECT * FROM users',
      'UPDATE credits SET balance = 1000000',
      'not sql at all',
    ];
    const before = await service.caller().schema.reflect();
    for (const sql of refused) {
      const res = await call('POST', '/api/schema/update', { sql });
      expect(res.status, sql).toBe(400);
      expect(res.body.detail, sql).toMatch(/supported is one statement: ALTER TABLE <table> ADD \[COLUMN\] <column> <type> \[NULL \| NOT NULL\] \[DEFAULT <literal>\], or ALTER TABLE <table> DROP \[COLUMN\] <column>$/);
    }
    // What parses but the safe operations refuse: their own 4xx.
    expect(await call('POST', '/api/schema/update', { sql: 'ALTER TABLE users DROP COLUMN email' })).toMatchObject({ status: 400, body: { detail: 'Column users.email belongs to the service and cannot be dropped' } });
    expect((await call('POST', '/api/schema/update', { sql: 'ALTER TABLE users ADD COLUMN a MONEY' })).status).toBe(400);
    expect((await call('POST', '/api/schema/update', { sql: 'ALTER TABLE `users"; drop table credits; --` ADD COLUMN a INT' })).status).toBe(400);
    expect((await call('POST', '/api/schema/update', { sql: 'ALTER TABLE nowhere ADD COLUMN a INT' })).status).toBe(404);
    expect(await service.caller().schema.reflect()).toEqual(before);
  });
});

describe('5. small answers', () => {
  it('GET / is {"message": "Hello World"} as JSON', async () => {
    const res = await fetch(`${service.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({ message: 'Hello World' });
  });

  it('POST /users/ carries a message', async () => {
    const { status, body } = await call('POST', '/users/', { email: 'message@example.com', name: 'M' });
    expect(status).toBe(200);
    expect(body).toEqual({ message: 'User created successfully', user_id: expect.any(Number), email: 'message@example.com', name: 'M' });
  });

  it('a repeated add-column is the same 409 on every route', async () => {
    const routes: [string, string, unknown][] = [
      ['POST', '/api/schema/columns', { table_name: 'credits', column: { name: 'loyalty', type: 'integer' } }],
      ['PATCH', '/api/credits/external-update', { operation: 'add_column', table: 'credits', column: 'loyalty', type: 'integer' }],
      ['POST', '/api/schema/update', { sql: 'ALTER TABLE credits ADD COLUMN loyalty INT' }],
    ];
    expect((await call(...routes[0]!)).status).toBe(200);
    for (const route of routes) expect(await call(...route)).toMatchObject({ status: 409, body: { detail: 'Column loyalty already exists in table credits' } });
    const error = await service.caller().schema.addColumn({ table: 'credits', column: { name: 'loyalty', type: 'integer' } }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFLICT', message: 'Column loyalty already exists in table credits' });
  });
});

describe('7. seed 004 paging: limit clamped, offset with cursors', () => {
  it('a limit above 200 is clamped and says so in X-Limit-Clamped; X-Next-Cursor and offset page together', async () => {
    const user = await service.newUser({ externalId: 'auth0|paging' });
    const caller = service.caller();
    for (let i = 0; i < 205; i += 41) {
      await Promise.all(Array.from({ length: 41 }, (_, j) => caller.usage.record({ userId: user.id, endpoint: `/e/${i + j}`, eventType: 'api_call' })));
    }
    const base = `/api/v1/users/${encodeURIComponent('auth0|paging')}/usage`;
    const large = await call('GET', `${base}?limit=500&offset=0`);
    expect(large.status).toBe(200);
    expect(large.headers.get('x-limit-clamped')).toBe('200');
    expect(large.body.data).toHaveLength(200);
    expect(large.headers.get('x-next-cursor')).toEqual(expect.any(String));

    const fifty = await call('GET', `${base}?limit=50&offset=0`);
    expect(fifty.headers.get('x-limit-clamped')).toBeNull();
    expect(fifty.body.data).toHaveLength(50);

    // Walk with cursors: every record once.
    const seen: number[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof call>> = await call('GET', `${base}?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      seen.push(...(page.body.data as { id: number }[]).map((r) => r.id));
      cursor = page.headers.get('x-next-cursor');
    } while (cursor);
    expect(seen).toHaveLength(205);
    expect(new Set(seen).size).toBe(205);

    // offset skips rows after the cursor.
    const first = await call('GET', `${base}?limit=10`);
    const afterCursor = await call('GET', `${base}?limit=10&offset=5&cursor=${encodeURIComponent(first.headers.get('x-next-cursor')!)}`);
    expect((afterCursor.body.data as { id: number }[]).map((r) => r.id)).toEqual(seen.slice(15, 25));
    // Offsets alone, as the seed's clients page.
    expect((await call('GET', `${base}?limit=10&offset=15`)).body.data).toEqual(afterCursor.body.data);

    for (const path of [`/api/v1/users/${encodeURIComponent('auth0|paging')}/credits/transactions?limit=1000`, `/api/v1/users/${encodeURIComponent('auth0|paging')}/sessions?limit=201`]) {
      const res = await call('GET', path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('x-limit-clamped'), path).toBe('200');
    }
    expect((await call('GET', `${base}?limit=0`)).status).toBe(400);
  });

  it('the OpenAPI document says so: both headers on every list, and the cursor parameter', async () => {
    const document = (await (await fetch(`${service.url}/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { parameters: { name: string }[]; responses: { 200: { headers?: Record<string, { description: string }> } } }>>;
    };
    for (const path of ['/api/v1/users/{user_id}/usage', '/api/v1/users/{user_id}/sessions', '/api/v1/sessions/{session_id}/messages', '/api/v1/users/{user_id}/credits/transactions']) {
      const get = document.paths[path]!.get!;
      expect(Object.keys(get.responses[200].headers ?? {}), path).toEqual(['x-limit-clamped', 'x-next-cursor']);
      expect(get.parameters.map((p) => p.name), path).toEqual(expect.arrayContaining(['limit', 'offset', 'cursor']));
    }
  });
});
