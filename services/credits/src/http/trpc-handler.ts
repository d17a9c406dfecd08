import type http from 'node:http';
import { createHTTPHandler } from '@trpc/server/adapters/standalone';
import superjson from 'superjson';
import type { AuthResult } from '../auth/authenticate';
import { createContextInner, type Deps } from '../trpc/context';
import { asTRPCError, errorShape } from '../trpc/errors';
import { observeCall } from '../trpc/observe';
import { appRouter } from '../trpc/router';
import { MAX_BATCH, MAX_BODY_BYTES } from './limits';
import { authenticateRequest } from './request-auth';
import { callsOf } from './request-log';

const PROCEDURES = new Set(Object.keys(appRouter._def.procedures));

/**
 * /trpc/*. The request's credentials are checked first, from its headers. Without a principal
 * the request is refused here, before tRPC looks at its path, content type or body: every path
 * answers alike (the API's shape is not probed by 404s, 415s or 400s) and nothing is parsed for
 * an anonymous caller. Each procedure it named is still logged and counted as a refused call.
 */
export function createTrpcHandler(deps: Deps) {
  const auths = new WeakMap<http.IncomingMessage, AuthResult>();
  return createHTTPHandler({
    router: appRouter,
    basePath: '/trpc/',
    maxBodySize: MAX_BODY_BYTES,
    maxBatchSize: MAX_BATCH,
    middleware: (req, res, next) => {
      authenticateRequest(deps, req).then((auth) => {
        auths.set(req, auth);
        // A subscription's refusal goes inside its event stream, where an SSE client can read it (an
        // EventSource sees only that a 401 was not a stream); tRPC answers it before running anything.
        if (!('error' in auth) || isSubscription(req.url)) return next();
        const ctx = createContextInner(deps, auth, { requestId: req.headers['x-request-id'] as string, calls: callsOf(req) });
        for (const path of namedProcedures(req.url)) observeCall(ctx, path, { ok: false, error: asTRPCError(auth.error) }, 0, undefined);
        refuse(req, res, auth.error);
      }, next);
    },
    createContext: ({ req }) => createContextInner(deps, auths.get(req)!, { requestId: req.headers['x-request-id'] as string, calls: callsOf(req) }),
    onError: ({ error, path, ctx }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') (ctx?.log ?? deps.log).error({ err: error.cause ?? error, path }, 'call failed');
    },
  });
}

/** Answered here, in tRPC's own form, before tRPC looks at the request (its path, its content type, its body). */
function refuse(req: http.IncomingMessage, res: http.ServerResponse, error: unknown): void {
  const shape = errorShape(error);
  const answer = { error: superjson.serialize(shape) };
  // A batch (`?batch=1`) is answered call by call, as tRPC does: one error per name in the path.
  const [path = '', search = ''] = (req.url ?? '').split('?');
  const body = new URLSearchParams(search).get('batch') === '1' ? path.split(',').map(() => answer) : answer;
  res.writeHead(shape.data.httpStatus, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

const isSubscription = (url: string | undefined) => (url ?? '').startsWith('/trpc/events.');

/** The procedures a /trpc/a,b,c path names that exist (an unknown name is nobody's metric label). */
function namedProcedures(url: string | undefined): string[] {
  const path = (url ?? '').split('?')[0]!.slice('/trpc/'.length);
  try {
    return decodeURIComponent(path)
      .split(',')
      .filter((name) => PROCEDURES.has(name));
  } catch {
    return [];
  }
}
