import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restRoutes } from '../src/http/server';
import { appRouter } from '../src/trpc/router';
import { openChecksum } from './support/checksum';
import { rawRequest } from './support/raw-http';
import { TEST_ADMIN_KEY, useTestService } from './support/service';

/**
 * Arbitrary JSON at every procedure and every REST route, as an admin (so that input reaches
 * validation everywhere): the answer is a 4xx with a message, never a 5xx; a refused call leaves
 * every table as it was; no answer carries a stack trace, SQL or the database's words.
 */

const RUNS_PER_PROCEDURE = 40;
const RUNS_PER_ROUTE = 30;

const service = useTestService();
let checksum: Awaited<ReturnType<typeof openChecksum>>;
let before: string;
beforeAll(async () => {
  // Something to find, so that ids in the inputs sometimes name real rows.
  for (let i = 0; i < 3; i++) await service.newUser({ balance: 10, externalId: `auth0|fuzz-${i}` });
  checksum = await openChecksum(service.databaseUrl);
  before = await checksum.read();
});
afterAll(() => checksum?.close());

const FIELDS = [
  'userId', 'amount', 'balance', 'email', 'name', 'externalId', 'idempotencyKey', 'limit', 'cursor', 'offset', 'search',
  'sessionId', 'status', 'role', 'content', 'date', 'from', 'to', 'type', 'table', 'column', 'dryRun', 'id', 'keyId',
  'scope', 'description', 'reason', 'referenceId', 'metadata', 'charge', 'endpoint', 'eventType', 'creditsCharged',
  '__proto__', 'constructor', 'prototype',
];

const nested = (depth: number, leaf: unknown): unknown => {
  let value = leaf;
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { a: value };
  return value;
};

/** One field's value: wrong types, extreme numbers, long and odd strings, deep structures. */
const nasty: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 1, -0, 1e-7, 0.00005, 1e21, -1, 0, 1, 1.23456, 4294967296, 1e15),
  fc.constantFrom('', ' ', '1', '-1', '1e999', 'NaN', 'Infinity', 'null', 'true', 'auth0|fuzz-0', '__proto__', 'constructor',
    "'; drop table users; --", '"', '\\', '\u0000', '%00', '../../etc/passwd', '2024-13-45', '9999-12-31T23:59:59Z', 'a@b', 'ck_live_x'),
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer({ min: 1_000, max: 200_000 }).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 10, max: 3_000 }).map((d) => nested(d, 1)),
  fc.boolean(),
  fc.constant(null),
  fc.jsonValue({ maxDepth: 4 }),
);

/** A whole input: an object with likely field names, any JSON at all, or one odd value. */
const anyInput = (fields: string[]) =>
  fc.oneof(
    { weight: 4, arbitrary: fc.dictionary(fc.constantFrom(...fields), nasty, { maxKeys: 6, noNullPrototype: true }) },
    { weight: 2, arbitrary: fc.jsonValue() },
    { weight: 1, arbitrary: nasty },
  );

/** Bodies sent as text, including what JSON.stringify could not make: prototype keys, bad superjson metadata, not JSON. */
const RAW_BODIES = [
  '{"json":{"__proto__":{"polluted":true},"userId":1,"amount":1}}',
  // NUL, which PostgreSQL's text and jsonb refuse: in an id, in free text, in metadata.
  '{"json":{"userId":"\\u0000","amount":1}}',
  '{"json":{"userId":1,"amount":1,"description":"a\\u0000b","endpoint":"/\\u0000","eventType":"x","content":"\\u0000","role":"user"}}',
  '{"json":{"userId":1,"title":"t","endpoint":"/","eventType":"x","metadata":{"k\\u0000":1,"v":["\\u0000"]}}}',
  '{"json":{"constructor":{"prototype":{"polluted":true}}}}',
  '{"json":{"userId":1},"meta":{"values":{"__proto__.polluted":["custom","x"]}}}',
  '{"json":{"userId":1},"meta":{"values":{"userId":["bigint"]}}}',
  '{"json":{"userId":"1"},"meta":{"values":{"userId":[["custom","Decimal"]]}}}',
  '{"json":{"a":1},"meta":{"values":{"a":["map"]},"referentialEqualities":{"a":["b"]}}}',
  '{"json":',
  '[]',
  'null',
  '"\\ud800"',
  `{"json":${'['.repeat(20_000)}${']'.repeat(20_000)}}`,
];

/** What an answer must never contain: a stack frame, SQL, PostgreSQL's or the driver's words. */
const LEAK = /\n\s+at |\.ts:\d+|node_modules|\b(select|insert into|update|delete from)\b.*\b(from|where|values|set)\b|syntax error|violates|duplicate key|relation "|column "|SQLSTATE|ECONN|pg_|credits_apply|MikroORM/i;

interface Tally {
  tried: number;
  refused: number;
  accepted: number;
}

async function send(method: string, path: string, body: string | undefined) {
  const res = await fetch(`${service.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body }),
  });
  return { status: res.status, text: await res.text() };
}

/** The checks every answer gets; the database is compared after each refusal. */
async function judge(tally: Tally, what: string, answer: { status: number; text: string }, messageOf: (body: unknown) => unknown) {
  tally.tried++;
  if (answer.status >= 500) throw new Error(`${what}: ${answer.status} ${answer.text.slice(0, 500)}`);
  expect(answer.text, what).not.toMatch(LEAK);
  if (answer.status < 300) {
    // Valid after all (health, lists, a lucky id): its writes, if any, are the new baseline.
    tally.accepted++;
    before = await checksum.read();
    return;
  }
  expect(answer.status, what).toBeGreaterThanOrEqual(400);
  tally.refused++;
  // A query string past Node's header limit (16 KB) is refused by its HTTP parser, before the
  // service sees it: the status line is the whole message.
  if (answer.status === 431 && answer.text === '') return;
  let body: unknown;
  try {
    body = JSON.parse(answer.text);
  } catch {
    throw new Error(`${what}: ${answer.status} answered with a body that is not JSON: ${answer.text.slice(0, 200)}`);
  }
  const message = messageOf(body);
  expect(typeof message === 'string' && message.length > 0 ? 'a message' : JSON.stringify(body).slice(0, 300), what).toBe('a message');
  expect(await checksum.read(), `${what}: a refused call changed the database`).toBe(before);
}

const tallies: Record<string, Tally> = {};
const newTally = (name: string): Tally => {
  const tally = { tried: 0, refused: 0, accepted: 0 };
  tallies[name] = tally;
  return tally;
};
afterAll(() => {
  const lines = Object.entries(tallies).map(([name, t]) => `${name}: ${t.tried} tried, ${t.refused} refused (4xx), ${t.accepted} accepted`);
  console.info(`bad input, ${lines.length} procedures and routes:\n${lines.join('\n')}`);
  expect(Object.prototype).not.toHaveProperty('polluted');
});

// Calls; a subscription answers inside its event stream (200, then the error as an event): events.test.ts checks its refusals.
const procedures = Object.entries(appRouter._def.procedures as unknown as Record<string, { _def: { type: 'query' | 'mutation' | 'subscription' } }>).filter(
  ([, procedure]) => procedure._def.type !== 'subscription',
);

describe('every tRPC procedure', () => {
  it('finds them all', () => {
    expect(procedures.length).toBeGreaterThan(30);
  });

  for (const [path, procedure] of procedures) {
    const type = procedure._def.type;
    it(`${type} ${path}`, async () => {
      const tally = newTally(`tRPC ${path}`);
      const tRPCMessage = (body: unknown) => (body as { error?: { json?: { message?: unknown } } }).error?.json?.message;
      const request = (text: string) =>
        type === 'query' ? send('GET', `/trpc/${path}?input=${encodeURIComponent(text)}`, undefined) : send('POST', `/trpc/${path}`, text);
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            { weight: 3, arbitrary: anyInput(FIELDS).map((input) => JSON.stringify({ json: input })) },
            { weight: 1, arbitrary: anyInput(FIELDS).map((input) => JSON.stringify(input) ?? 'null') },
            { weight: 1, arbitrary: fc.tuple(anyInput(FIELDS), fc.jsonValue()).map(([json, meta]) => JSON.stringify({ json, meta })) },
          ),
          async (text) => judge(tally, `${path} <- ${text.slice(0, 200)}`, await request(text), tRPCMessage),
        ),
        { numRuns: RUNS_PER_PROCEDURE, endOnFailure: true },
      );
      for (const text of RAW_BODIES) await judge(tally, `${path} <- ${text.slice(0, 200)}`, await request(text), tRPCMessage);
    });
  }
});

describe('every REST route', () => {
  const restMessage = (body: unknown) => {
    const b = body as { detail?: unknown; message?: unknown };
    return typeof b.detail === 'string' ? b.detail : Array.isArray(b.detail) ? JSON.stringify(b.detail) : b.message;
  };

  for (const route of restRoutes) {
    it(`${route.method} ${route.path}`, async () => {
      const tally = newTally(`REST ${route.method} ${route.path}`);
      const names = (shape: unknown) => Object.keys((shape as { shape?: object } | undefined)?.shape ?? {});
      const bodyFields = [...names(route.body), ...FIELDS];
      const queryFields = [...names(route.query), 'limit', 'offset', '__proto__'];
      const asText = (v: unknown) => (typeof v === 'string' ? v : (JSON.stringify(v) ?? 'null'));
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            params: fc.tuple(...Array.from({ length: Math.max(1, names(route.params).length) }, () => nasty.map(asText))),
            query: fc.dictionary(fc.constantFrom(...queryFields), nasty.map(asText), { maxKeys: 4, noNullPrototype: true }),
            body: fc.oneof(
              { weight: 3, arbitrary: anyInput(bodyFields).map((v) => JSON.stringify(v) ?? 'null') },
              { weight: 1, arbitrary: fc.constantFrom(...RAW_BODIES) },
            ),
          }),
          async ({ params, query, body }) => {
            let i = 0;
            const path = route.path.replace(/\{\w+\}/g, () => encodeURIComponent(params[i++]!.slice(0, 2_000)));
            const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, v.slice(0, 2_000)])).toString();
            const url = search ? `${path}?${search}` : path;
            const sent = route.method === 'GET' ? undefined : body;
            await judge(tally, `${route.method} ${url.slice(0, 200)} <- ${(sent ?? '').slice(0, 200)}`, await send(route.method, url, sent), restMessage);
          },
        ),
        { numRuns: RUNS_PER_ROUTE, endOnFailure: true },
      );
    });
  }
});

describe('raw HTTP', () => {
  /** A path of every family, with hostile segments where its parameters go. */
  const segment = fc.oneof(
    fc.constantFrom('%E0%A4%A', '%', '%%', '%00', '%2F..%2F', '..', '', '%ZZ', '\u00e9', 'auth0%7C1', '1', '-1', '99999999999999999999'),
    fc.string({ unit: 'binary', maxLength: 20 }).map((s) => encodeURIComponent(s)),
  );
  const paths = [...restRoutes.map((r) => r.path), '/trpc/credits.consume', '/trpc/credits.balance,users.list', '/trpc/', '/docs/x', '/metrics', '/ready', '/nope'];
  const target = fc
    .tuple(fc.constantFrom(...paths), fc.array(segment, { minLength: 3, maxLength: 3 }), fc.option(fc.string({ maxLength: 40 }).map(encodeURIComponent)))
    .map(([path, segments, query]) => {
      let i = 0;
      return path.replace(/\{\w+\}/g, () => segments[i++ % 3]!) + (query === null ? '' : `?input=${query}&limit=${segments[0]}`);
    });
  const credential = fc.constantFrom('', `authorization: Bearer ${TEST_ADMIN_KEY}\r\n`, 'authorization: Bearer ck_live_nope\r\n', 'authorization: Basic\r\n', 'x-api-key: \r\n');
  const framing = fc.oneof(
    fc.string({ maxLength: 200 }).map((body) => ({ headers: `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`, body })),
    fc.string({ maxLength: 200 }).map((body) => ({ headers: `content-length: ${Buffer.byteLength(body) + 50}\r\n`, body, hangUp: true })), // cut off
    fc.string({ maxLength: 200 }).map((body) => ({ headers: 'transfer-encoding: chunked\r\n', body: `zz\r\n${body}\r\n0\r\n\r\n` })), // a bad chunk size
    fc.constant({ headers: 'content-length: 5\r\ntransfer-encoding: chunked\r\n', body: '0\r\n\r\n' }),
    fc.constant({ headers: '', body: '' }),
  );

  it('no request, however malformed, is a 5xx or stops the service', async () => {
    const tally = newTally('raw HTTP');
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'BREW'), target, credential, framing, async (method, path, auth, request) => {
        const { headers, body } = request;
        const hangUp = 'hangUp' in request;
        const answer = await rawRequest(service.url, `${method} ${path} HTTP/1.1\r\nhost: localhost\r\n${auth}${headers}\r\n${body}`, { waitMs: 1_500, closeAfterSend: hangUp });
        tally.tried++;
        if (answer.status !== null && answer.status < 300) tally.accepted++;
        else tally.refused++;
        expect(answer.status === null || answer.status < 500, `${method} ${path} <- ${JSON.stringify(body).slice(0, 100)}: ${answer.text.slice(0, 300)}`).toBe(true);
        expect((await fetch(`${service.url}/health`)).status).toBe(200);
      }),
      { numRuns: 300, endOnFailure: true },
    );
    before = await checksum.read();
  }, 300_000);
});
