import { createCreditsClient } from '@credits/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from './support/db';
import { type ServiceProcess, startServiceProcess } from './support/process';
import { rawRequest, requestHead } from './support/raw-http';
import { TEST_ADMIN_KEY } from './support/service';

/**
 * Malformed and hostile HTTP, on a raw socket, at every route family, with every kind of
 * credential and none: no request may take the process down or be answered with a 5xx. The
 * service runs as its own process, so a crash shows as an exit (and a new PID), not as an error
 * in this one.
 */

let service: ServiceProcess;
const credentials: Record<string, Record<string, string>> = { none: {} };

beforeAll(async () => {
  service = await startServiceProcess({
    DATABASE_URL: await createTestDatabase(),
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    DAILY_GRANT_ENABLED: 'false',
    LOG_LEVEL: 'warn',
    // Bad keys are part of the abuse; the limiter must not hide what the rest does.
    AUTH_FAILURES_PER_MINUTE: '100000',
    HTTP_BODY_TIMEOUT_MS: '2000',
    HTTP_HEADERS_TIMEOUT_MS: '1000',
  });
  const admin = createCreditsClient({ url: service.url, apiKey: TEST_ADMIN_KEY });
  const user = await admin.users.create.mutate({ email: 'hostile@example.com', name: 'Hostile', externalId: 'auth0|hostile' });
  const serviceKey = await admin.apiKeys.create.mutate({ name: 'hostile service', scope: 'service' });
  const userKey = await admin.apiKeys.create.mutate({ name: 'hostile user', scope: 'user', userId: user.id });
  Object.assign(credentials, {
    'a bad key': { authorization: 'Bearer ck_live_not_a_key' },
    'a malformed header': { authorization: 'Basic Zm9vOmJhcg==' },
    admin: { authorization: `Bearer ${TEST_ADMIN_KEY}` },
    service: { authorization: `Bearer ${serviceKey.key}` },
    user: { 'x-api-key': userKey.key },
  });
}, 120_000);

afterAll(() => service?.stop());

/** One route family: a path to POST at, and where in it a hostile path segment goes. */
const FAMILIES = {
  tRPC: (segment: string) => `/trpc/credits.consume${segment}`,
  'seed 000 credits': (segment: string) => `/api/credits/${segment || '1'}/deduct`,
  'seed 000 users': (segment: string) => `/users/${segment}`,
  'seed 004': (segment: string) => `/api/v1/users/${segment || 'x'}/usage`,
  docs: (segment: string) => `/docs/${segment}`,
};

const MB = 1_000_000;
const chunk = (data: Buffer) => Buffer.concat([Buffer.from(`${data.length.toString(16)}\r\n`), data, Buffer.from('\r\n')]);

type Abuse = (path: (segment: string) => string, auth: Record<string, string>) => Promise<{ status: number | null; text: string }>;

const ABUSES: Record<string, Abuse> = {
  'a body over 1 MB with Content-Length': (path, auth) =>
    rawRequest(service.url, Buffer.concat([Buffer.from(requestHead('POST', path(''), { ...auth, 'content-type': 'application/json', 'content-length': 2 * MB })), Buffer.alloc(1.2 * MB, 'x')])),
  'a chunked body past 1 MB': (path, auth) =>
    rawRequest(
      service.url,
      Buffer.concat([
        Buffer.from(requestHead('POST', path(''), { ...auth, 'content-type': 'application/json', 'transfer-encoding': 'chunked' })),
        ...Array.from({ length: 20 }, () => chunk(Buffer.alloc(64 * 1024, 'x'))),
      ]),
    ),
  'a body that stops half way': (path, auth) =>
    rawRequest(service.url, `${requestHead('POST', path(''), { ...auth, 'content-type': 'application/json', 'content-length': 1_000 })}{"json":{"userId":1,`, {
      closeAfterSend: true,
    }),
  'a malformed percent-encoding in the path': (path, auth) => rawRequest(service.url, `${requestHead('POST', path('%E0%A4%A'), { ...auth, 'content-length': 2 })}{}`),
  'NUL in the path and the query': (path, auth) => rawRequest(service.url, `${requestHead('POST', `${path('%00')}?input=%00&limit=%00`, { ...auth, 'content-length': 2 })}{}`),
  'a 20 KB header': (path, auth) => rawRequest(service.url, `${requestHead('POST', path(''), { ...auth, 'x-padding': 'p'.repeat(20_000), 'content-length': 2 })}{}`),
  'a 100 KB request line': (path, auth) => rawRequest(service.url, `${requestHead('POST', `${path('')}?q=${'q'.repeat(100_000)}`, { ...auth, 'content-length': 2 })}{}`),
  'an unknown method': (path, auth) => rawRequest(service.url, `${requestHead('BREW', path(''), { ...auth, 'content-length': 2 })}{}`),
  'a body that is not JSON': (path, auth) => rawRequest(service.url, `${requestHead('POST', path(''), { ...auth, 'content-type': 'application/json', 'content-length': 5 })}{"a":`),
};

/**
 * Without credentials: 401 before anything else is looked at, or a refusal of the request's form
 * made before the service sees it (Node's parser: 400 or 431 with no body; tRPC: 415 for a body
 * that does not say it is JSON). Never 404, 405, 413 or 422: those would tell an anonymous caller
 * about the API's shape, or mean its body was read.
 */
function anonymousRefusal(answer: { status: number | null; text: string }): boolean {
  if (answer.status === 401 || answer.status === 431 || answer.status === 415 || answer.status === null) return true;
  return answer.status === 400 && !/\r\ncontent-type:/i.test(answer.text);
}

async function stillUp(pid: number | undefined, what: string) {
  expect(service.child.exitCode, `${what}: the process exited`).toBeNull();
  expect(service.child.pid, what).toBe(pid);
  const health = await fetch(`${service.url}/health`);
  expect(health.status, `${what}: /health`).toBe(200);
}

describe('hostile HTTP on a raw socket', () => {
  for (const [family, path] of Object.entries(FAMILIES)) {
    it(`${family}: nothing sent, with or without credentials, stops the process or gets a 5xx`, async () => {
      const pid = service.child.pid;
      for (const [who, auth] of Object.entries(credentials)) {
        for (const [abuse, send] of Object.entries(ABUSES)) {
          const what = `${family}, ${abuse}, ${who}`;
          const answer = await send(path, auth);
          expect(answer.status === null || answer.status < 500, `${what}: answered ${answer.text.slice(0, 300)}`).toBe(true);
          if (who === 'none') expect(anonymousRefusal(answer), `${what}: answered ${answer.text.slice(0, 300)}`).toBe(true);
          await stillUp(pid, what);
        }
      }
    });
  }
});
