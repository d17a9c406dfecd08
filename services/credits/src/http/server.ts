import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Timeouts } from '../config';
import type { Deps } from '../trpc/context';
import { serveConsole } from './console';
import { serveDocs } from './docs';
import { admit, streaming } from '@credits/runtime';
import { createMetricsHandler } from './metrics';
import { authenticateRequest } from './request-auth';
import { logRequest } from './request-log';
import { createRestHandler } from './rest/handler';
import { openApiDocument } from './rest/openapi';
import { creditsRoutes } from './rest/seed-000-002';
import { userServiceRoutes } from './rest/seed-004';
import { createTrpcHandler } from './trpc-handler';
import packageJson from '../../package.json' with { type: 'json' };

/** Every REST route: the seeds' surfaces, each a mapping onto the procedures. */
export const restRoutes = [...creditsRoutes, ...userServiceRoutes];

/** How long /ready waits for the database before it says no. */
const READY_TIMEOUT_MS = 2_000;

export interface HttpOptions {
  /** The bearer token GET /metrics accepts besides admin credentials. */
  metricsToken?: string | undefined;
  /** Slow clients are cut off (408, connection closed) past these; default: Node's. */
  timeouts?: Pick<Timeouts, 'headersTimeoutMs' | 'bodyTimeoutMs'>;
}

/**
 * The one HTTP server: every path, and what each answers without credentials (`/health`,
 * `/ready`, `/docs`, `/openapi.json`, the console's static files under `/console` and the seeds' `GET /`; everything else needs a principal,
 * checked before a body is read). No request can throw out of here: whatever fails is answered,
 * and logged when it is ours.
 */
export function createHttpServer(deps: Deps, options: HttpOptions = {}): http.Server {
  const trpc = createTrpcHandler(deps);
  const rest = createRestHandler(deps, restRoutes);
  const openApi = JSON.stringify(openApiDocument(restRoutes, packageJson.version));
  const metrics = createMetricsHandler(deps, options.metricsToken);

  async function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string): Promise<void> {
    if (url.pathname.startsWith('/trpc/')) return trpc(req, res);
    if (method === 'GET' && url.pathname === '/ready') return ready(deps, res);
    if (method === 'GET' && url.pathname === '/metrics') return metrics(req, res);
    if (method === 'GET' && url.pathname === '/openapi.json') return void res.writeHead(200, { 'content-type': 'application/json' }).end(openApi);
    if (method === 'GET' && (await serveDocs(url.pathname, res))) return;
    if (method === 'GET' && (await serveConsole(url.pathname, res))) return;
    if (await rest(req, res, url, method)) return;
    // No such path: said only to a caller with credentials, so the API's shape is not probed anonymously.
    const auth = await authenticateRequest(deps, req);
    if ('error' in auth) return json(res, auth.error.code === 'TOO_MANY_REQUESTS' ? 429 : 401, { detail: auth.error.message });
    json(res, 404, { detail: 'Not Found' });
  }

  const server = http.createServer(clientTimeouts(options.timeouts), (req, res) => {
    // Held from the start: Node lets go of req.socket once the answer is out.
    const socket = req.socket;
    if (!admit(server, res)) return;
    if (req.url?.startsWith('/trpc/events.')) streaming(server, res);
    const started = performance.now();
    const requestId = requestIdOf(req);
    req.headers['x-request-id'] = requestId;
    res.setHeader('x-request-id', requestId);
    res.once('finish', () => {
      // Answered before the body was all read (refused, or too large): the rest must not be read
      // (Node would drain it all to reuse the connection), so the connection ends after the answer.
      if (!req.complete) hangUp(socket);
      const requestMs = Math.round((performance.now() - started) * 10) / 10;
      // The path only: a query string may hold a tRPC query's input (emails, search terms).
      logRequest(deps.log, req, { requestId, method: req.method, path: req.url?.split('?')[0], status: res.statusCode, requestMs });
    });

    const url = parseUrl(req.url);
    if (!url) return json(res, 400, { detail: 'Bad request: the request target is not a URL path' });
    // HEAD is GET without the body; Node leaves the body out by itself.
    const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
    route(req, res, url, method).catch((error: unknown) => {
      deps.log.error({ err: error, path: url.pathname }, 'request failed');
      if (!res.headersSent) json(res, 500, { detail: 'Internal server error' });
      else res.destroy();
    });
  });
  return server;
}

/** The request target as a URL, or null when it is not one (an absolute-form target with a broken host, say). */
function parseUrl(target: string | undefined): URL | null {
  try {
    return new URL(target ?? '/', 'http://localhost');
  } catch {
    return null;
  }
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
 * The answer goes first (FIN after it), then the socket, a moment later: closing at once, with
 * the client still sending, resets the connection and can destroy the answer unread.
 */
function hangUp(socket: Socket | null): void {
  if (!socket || socket.destroyed) return;
  socket.end();
  setTimeout(() => socket.destroy(), 200).unref();
}

/** The caller's request id when it sent a sane one, so logs on both sides line up; else a new one. */
function requestIdOf(req: http.IncomingMessage): string {
  const sent = req.headers['x-request-id'];
  return typeof sent === 'string' && /^[\x21-\x7e]{1,128}$/.test(sent) ? sent : randomUUID();
}

/** Ready means the database answers, within READY_TIMEOUT_MS. Its own words (the driver's) go to the log only. */
async function ready(deps: Deps, res: http.ServerResponse): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<{ ok: false; reason: string }>((resolve) => {
    timer = setTimeout(() => resolve({ ok: false, reason: `no answer within ${READY_TIMEOUT_MS} ms` }), READY_TIMEOUT_MS);
  });
  const check = await Promise.race([deps.orm.checkConnection(), timeout]);
  clearTimeout(timer);
  if (check.ok) return json(res, 200, { status: 'ready' });
  deps.log.warn({ reason: check.reason }, 'not ready: the database does not answer');
  json(res, 503, { status: 'unavailable', detail: 'database unavailable' });
}

function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
