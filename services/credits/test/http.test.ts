import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startTestService, TEST_ADMIN_KEY, useTestService } from './support/service';

const asAdmin = { 'content-type': 'application/json', authorization: `Bearer ${TEST_ADMIN_KEY}` };

const service = useTestService();

describe('HTTP server', () => {
  it('answers /health and /ready', async () => {
    const health = await fetch(`${service.url}/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'healthy' });
    const ready = await fetch(`${service.url}/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready' });
  });

  it('echoes a request id, or makes one', async () => {
    const sent = await fetch(`${service.url}/health`, { headers: { 'x-request-id': 'req-123' } });
    expect(sent.headers.get('x-request-id')).toBe('req-123');
    const made = await fetch(`${service.url}/health`);
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('unknown paths are 404 with a JSON body, to a caller with credentials; 401 to anyone else', async () => {
    const res = await fetch(`${service.url}/nope`, { headers: asAdmin });
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not Found' });
    expect((await fetch(`${service.url}/nope`)).status).toBe(401);
  });

  it('without credentials every tRPC path is 401, a procedure or not, and REST is 401 before its body is read', async () => {
    const refusal = { error: { json: { data: { code: 'UNAUTHORIZED', reason: 'MISSING_CREDENTIALS' } } } };
    for (const path of ['/trpc/credits.consume', '/trpc/credits.steal', '/trpc/%E0%A4%A']) {
      const res = await fetch(`${service.url}${path}`, { method: 'POST', body: '{}' });
      expect(res.status, path).toBe(401);
      expect(await res.json(), path).toMatchObject(refusal);
    }
    const batch = await fetch(`${service.url}/trpc/credits.consume,credits.steal?batch=1`, { method: 'POST', body: '{}' });
    expect(batch.status).toBe(401);
    expect(await batch.json()).toMatchObject([refusal, refusal]);
    const sdk = await service.client({ apiKey: undefined }).credits.balance.query({ userId: 1 }).catch((error: unknown) => error);
    expect(sdk).toMatchObject({ code: 'UNAUTHORIZED' });
    // A body that would be a 422 with credentials is never looked at without them.
    const rest = await fetch(`${service.url}/api/credits/1/deduct`, { method: 'POST', body: '{"amount": "lots"}', headers: { 'content-type': 'application/json' } });
    expect(rest.status).toBe(401);
    expect((await fetch(`${service.url}/api/credits/1/deduct`, { method: 'PUT', body: '{}' })).status).toBe(401);
  });

  it('answers HEAD wherever it answers GET, without a body', async () => {
    for (const path of ['/health', '/ready', '/openapi.json', '/docs', '/']) {
      const res = await fetch(`${service.url}${path}`, { method: 'HEAD' });
      expect(res.status, path).toBe(200);
      expect(await res.text(), path).toBe('');
    }
    const balance = await fetch(`${service.url}/api/credits/1`, { method: 'HEAD', headers: asAdmin });
    expect(balance.status).toBe(404);
  });

  it('an unknown procedure is a 404, not a 500', async () => {
    const res = await fetch(`${service.url}/trpc/credits.steal`, { method: 'POST', body: '{}', headers: asAdmin });
    expect(res.status).toBe(404);
  });

  it('a body over 1 MB is refused with 413 and writes nothing', async () => {
    const body = JSON.stringify({ json: { email: 'big@example.com', name: 'x'.repeat(1_100_000) } });
    const res = await fetch(`${service.url}/trpc/users.create`, { method: 'POST', body, headers: asAdmin });
    expect(res.status).toBe(413);
    expect((await service.caller().users.list({ search: 'big@' })).items).toHaveLength(0);
  });

  it('malformed JSON is a 400, not a 500', async () => {
    const res = await fetch(`${service.url}/trpc/users.create`, { method: 'POST', body: '{"json":', headers: asAdmin });
    expect(res.status).toBe(400);
  });

  it('/ready says 503 when the database is gone, however long it has been gone', async () => {
    const other = await startTestService();
    // Gone for good: its connections cut and the database dropped, so no reconnection (the event
    // pollers' or /ready's own) can find it. Closing the ORM instead is undone by the next poll.
    const name = new URL(other.databaseUrl).pathname.slice(1);
    const admin = new pg.Client({ connectionString: Object.assign(new URL(other.databaseUrl), { pathname: '/postgres' }).toString() });
    await admin.connect();
    await admin.query(`drop database ${name} with (force)`);
    await admin.end();
    for (const wait of [0, 200]) {
      await new Promise((resolve) => setTimeout(resolve, wait));
      const res = await fetch(`${other.url}/ready`);
      expect(res.status, `after ${wait} ms`).toBe(503);
      expect(await res.json()).toMatchObject({ status: 'unavailable' });
    }
    await other.close();
  });
});
