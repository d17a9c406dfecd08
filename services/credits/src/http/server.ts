import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import { credentialFrom } from '../auth/credentials';
import type { Timeouts } from '../config';
import { createContextInner, type Deps } from '../trpc/init';
import { appRouter } from '../trpc/router';
import { serveDocs } from './docs';
import { admit } from './drain';
import { createMetricsHandler } from './metrics';
import { createRestHandler } from './rest/handler';
import { openApiDocument } from './rest/openapi';
import { userServiceRoutes } from './rest/seed-user-service';
import { creditsRoutes } from './rest/seeds-credits';
import packageJson from '../../package.json' with { type: 'json' };

/** Every REST route: the seeds' surfaces, each a mapping onto the procedures. */
export const restRoutes = [...creditsRoutes, ...userServiceRoutes];

/** Bodies above this are refused (413) before any parsing. */
const MAX_BODY_BYTES = 1_000_000;
/** Calls in one tRPC batch request. */
const MAX_BATCH = 100;
/** How long /ready waits for the database before it says no. */
const READY_TIMEOUT_MS = 2_000;

export interface HttpOptions {
  /** The bearer token GET /metrics accepts besides admin credentials. */
  metricsToken?: string | undefined;
  /** Slow clients are cut off (408, connection closed) past these; default: Node's. */
  timeouts?: Pick<Timeouts, 'headersTimeoutMs' | 'bodyTimeoutMs'>;
}

export function createHttpServer(deps: Deps, options: HttpOptions = {}): http.Server {
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    maxBatchSize: MAX_BATCH,
    createContext: async ({ req }) =>
      createContextInner(
        deps,
        await deps.authenticate(credentialFrom(req.headers), req.socket.remoteAddress ?? 'unknown'),
        req.headers['x-request-id'] as string,
      ),
    onError: ({ error, path, ctx }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') (ctx?.log ?? deps.log).error({ err: error.cause ?? error, path }, 'call failed');
    },
  });

  const rest = createRestHandler(deps, restRoutes);
  const openApi = JSON.stringify(openApiDocument(restRoutes, packageJson.version));
  const metrics = createMetricsHandler(deps, options.metricsToken);

  const server = http.createServer(clientTimeouts(options.timeouts), (req, res) => {
    if (!admit(server, res)) return;
    const started = performance.now();
    const requestId = requestIdOf(req);
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    res.once('finish', () => {
      if (res.statusCode === 413) hangUp(req.socket);
      const ms = Math.round((performance.now() - started) * 10) / 10;
      deps.log.info({ requestId, method: req.method, url: req.url, status: res.statusCode, ms }, 'request');
    });

    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/trpc/')) return trpc(req, res);
    if (req.method === 'GET' && url.pathname === '/ready') return void ready(deps, res);
    if (req.method === 'GET' && url.pathname === '/metrics') {
      return void metrics(req, res).catch((error: unknown) => {
        deps.log.error({ err: error }, 'metrics failed');
        if (!res.headersSent) json(res, 500, { detail: 'Internal server error' });
      });
    }
    if (req.method === 'GET' && url.pathname === '/openapi.json') {
      return void res.writeHead(200, { 'content-type': 'application/json' }).end(openApi);
    }
    void (async () => {
      if (req.method === 'GET' && (await serveDocs(url.pathname, res))) return;
      if (await rest(req, res, url)) return;
      json(res, 404, { detail: 'Not Found' });
    })().catch((error: unknown) => {
      deps.log.error({ err: error, url: req.url }, 'request failed');
      if (!res.headersSent) json(res, 500, { detail: 'Internal server error' });
    });
  });
  return server;
}

/**
 * A client that trickles its headers or body holds a connection and its buffers; past these it is
 * answered 408 and disconnected. Node checks them on an interval (30 s by default), which would
 * stretch a short limit several times over, so it checks at a fraction of the shorter one.
 */
function clientTimeouts(timeouts: HttpOptions['timeouts']): http.ServerOptions {
  if (!timeouts) return {};
  return {
    headersTimeout: timeouts.headersTimeoutMs,
    requestTimeout: timeouts.bodyTimeoutMs,
    connectionsCheckingInterval: Math.min(1_000, Math.max(50, Math.floor(timeouts.headersTimeoutMs / 4))),
  };
}

/**
 * After a 413 the rest of the upload must not be read (Node would drain it all to reuse the
 * connection). The answer goes first (FIN after it), then the socket, a moment later: closing at
 * once, with the client still sending, resets the connection and can destroy the answer unread.
 */
function hangUp(socket: Socket): void {
  socket.end();
  setTimeout(() => socket.destroy(), 200).unref();
}

/** The caller's request id when it sent a sane one, so logs on both sides line up; else a new one. */
function requestIdOf(req: http.IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && /^[\x21-\x7e]{1,128}$/.test(sent) ? sent : randomUUID();
}

/** Ready means the database answers, within READY_TIMEOUT_MS. */
async function ready(deps: Deps, res: http.ServerResponse): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; reason: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${READY_TIMEOUT_MS} ms` }), READY_TIMEOUT_MS);
  });
  const check = await Promise.race([deps.orm.checkConnection(), timeout]);
  clearTimeout(timer);
  if (check.ok) return json(res, 200, { status: 'ready' });
  json(res, 503, { status: 'unavailable', detail: `database: ${check.reason}` });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
