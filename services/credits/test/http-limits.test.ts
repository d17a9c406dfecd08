import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { testConfig, TEST_ADMIN_KEY, useTestService } from './support/service';

const HEADERS_MS = 500;
const BODY_MS = 1_200;
const service = useTestService({ timeouts: { ...testConfig().timeouts, headersTimeoutMs: HEADERS_MS, bodyTimeoutMs: BODY_MS } });

interface RawExchange {
  /** What the server sent before it closed the connection. */
  received: string;
  /** Body bytes the client got to send before the server answered or closed. */
  sent: number;
  /** The server ended the connection (rather than the client giving up on it). */
  serverClosed: boolean;
  /** From the answer's arrival to the connection's end. */
  closedAfterAnswerMs: number;
  /** From the first byte sent to the connection's end. */
  ms: number;
}

/**
 * A client on a raw socket: `head` first, then `body` chunks every `everyMs` (0: as fast as the
 * socket takes them) until the server answers or hangs up.
 */
function rawClient(head: string, body: { chunk: Buffer; everyMs: number; max: number } | undefined): Promise<RawExchange> {
  const { port } = new URL(service.url);
  return new Promise((resolve) => {
    const socket = net.connect(Number(port), '127.0.0.1');
    const started = performance.now();
    let received = '';
    let sent = 0;
    let answered = false;
    let answeredAt = 0;
    let done = false;
    const finish = (serverClosed: boolean) => {
      if (done) return;
      done = true;
      socket.destroy();
      const now = performance.now();
      resolve({ received, sent, serverClosed, ms: now - started, closedAfterAnswerMs: answered ? now - answeredAt : 0 });
    };
    socket.on('data', (data) => {
      received += data.toString('utf8');
      // Answered: stop sending, and give the server a moment to hang up.
      if (!answered && /\r\n\r\n/.test(received)) {
        answered = true;
        answeredAt = performance.now();
        setTimeout(() => finish(false), 2_000);
      }
    });
    socket.on('end', () => finish(true));
    socket.on('error', () => finish(true));
    socket.setTimeout(15_000, () => finish(false));
    socket.write(head);
    if (!body) return;
    const pump = () => {
      if (done || answered || sent >= body.max) return;
      sent += body.chunk.length;
      const more = socket.write(body.chunk);
      if (body.everyMs > 0) setTimeout(pump, body.everyMs);
      else if (more) setImmediate(pump);
      else socket.once('drain', pump);
    };
    pump();
  });
}

const head = (path: string, headers: Record<string, string | number>) =>
  `POST ${path} HTTP/1.1\r\nhost: localhost\r\nauthorization: Bearer ${TEST_ADMIN_KEY}\r\ncontent-type: application/json\r\n` +
  Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('') +
  '\r\n';

describe('slow clients', () => {
  it('one that never finishes its headers is answered 408 and disconnected after HTTP_HEADERS_TIMEOUT_MS', async () => {
    const exchange = await rawClient('POST /trpc/users.create HTTP/1.1\r\nhost: localhost\r\nx-slow: ', undefined);
    expect(exchange.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(exchange.serverClosed).toBe(true);
    expect(exchange.ms).toBeGreaterThanOrEqual(HEADERS_MS - 50);
    expect(exchange.ms).toBeLessThan(HEADERS_MS + 3_000);
  });

  it('one that trickles its body is answered 408 and disconnected after HTTP_BODY_TIMEOUT_MS, and nothing is written', async () => {
    const email = `slow-${Date.now()}@example.com`;
    const json = Buffer.from(JSON.stringify({ json: { email, name: 'Slow' } }));
    const exchange = await new Promise<RawExchange>((resolve) => {
      // One byte every 100 ms: the whole body would take seconds longer than the limit.
      void rawClient(head('/trpc/users.create', { 'content-length': json.length + 40 }), { chunk: Buffer.from(' '), everyMs: 100, max: 1_000 }).then(resolve);
    });
    expect(exchange.received).toMatch(/^HTTP\/1\.1 408 /);
    expect(exchange.serverClosed).toBe(true);
    expect(exchange.ms).toBeGreaterThanOrEqual(BODY_MS - 50);
    expect(exchange.ms).toBeLessThan(BODY_MS + 3_000);
    expect((await service.caller().users.list({ search: email })).items).toHaveLength(0);
  });
});

describe('bodies over 1 MB', () => {
  const big = Buffer.alloc(64 * 1024, 'x');
  for (const [name, path] of [
    ['tRPC', '/trpc/users.create'],
    ['REST', '/users/'],
  ] as const) {
    it(`${name}: a 50 MB upload is refused with 413 long before it is all sent (declared length)`, async () => {
      const exchange = await rawClient(head(path, { 'content-length': 50_000_000 }), { chunk: big, everyMs: 0, max: 50_000_000 });
      expect(exchange.received).toMatch(/^HTTP\/1\.1 413 /);
      expect(exchange.sent).toBeLessThan(10_000_000);
      // Hung up at once, not after a body timeout: the rest of the upload is never read.
      expect(exchange.serverClosed).toBe(true);
      expect(exchange.closedAfterAnswerMs).toBeLessThan(500);
    });

    it(`${name}: a chunked upload is refused with 413 once past 1 MB`, async () => {
      const chunk = Buffer.concat([Buffer.from(`${big.length.toString(16)}\r\n`), big, Buffer.from('\r\n')]);
      const exchange = await rawClient(head(path, { 'transfer-encoding': 'chunked' }), { chunk, everyMs: 0, max: 50_000_000 });
      expect(exchange.received).toMatch(/^HTTP\/1\.1 413 /);
      expect(exchange.sent).toBeLessThan(10_000_000);
      // Hung up at once, not after a body timeout: the rest of the upload is never read.
      expect(exchange.serverClosed).toBe(true);
      expect(exchange.closedAfterAnswerMs).toBeLessThan(500);
    });
  }
});
