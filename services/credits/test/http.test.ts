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

  it('unknown paths are 404 with a JSON body', async () => {
    const res = await fetch(`${service.url}/nope`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ detail: 'Not Found' });
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

  it('/ready says 503 when the database is gone', async () => {
    const other = await startTestService();
    await other.app.deps.orm.close();
    const res = await fetch(`${other.url}/ready`);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ status: 'unavailable' });
    await other.close();
  });
});
