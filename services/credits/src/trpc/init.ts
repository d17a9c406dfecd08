/**
 * The tRPC setup, in the order a request meets it: context, tRPC itself, middlewares, procedures.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorCode, ErrorData, ErrorDetails, UserRef } from '@credits/contract';
import { initTRPC, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import superjson from 'superjson';
import { type z, ZodError } from 'zod';
import type { AuthResult, Authenticate } from '../auth/authenticate';
import { mayActOn, type PrincipalKind } from '../auth/principal';
import type { MikroORM } from '../db/orm';
import type { GrantSettings } from '../domain/grants';
import { DomainError, notAllowed } from '../domain/errors';
import type { Metrics } from '../observability/metrics';
import { type CallResult, observeCall } from './observe';
import type { Logger } from '@credits/runtime';

// 1. CONTEXT

/** What the service hands to every request: long-lived resources, no request state. */
export interface Deps {
  orm: MikroORM;
  log: Logger;
  /** Today, for the daily grant; injected so tests can move it. */
  clock: () => Date;
  grant: GrantSettings;
  authenticate: Authenticate;
  metrics: Metrics;
}

export interface Context {
  requestId: string;
  deps: Deps;
  log: Logger;
  /** Who is calling, or why nobody is: credentials are checked once per request, before any call. */
  auth: AuthResult;
  /** The REST route that called the procedure (`POST /api/credits/{user_id}/deduct`), for the call's log line. */
  route?: string;
}

/** The context of a request without HTTP: tests give the principal directly. */
export function createContextInner(deps: Deps, auth: AuthResult, requestId: string = randomUUID(), route?: string): Context {
  return { requestId, deps, auth, log: deps.log.child({ requestId }), ...(route ? { route } : {}) };
}

// 2. INITIALIZATION

/** Every error reaches callers in this shape. Its `data` carries the facts they need (ErrorData). */
export interface ErrorShape {
  message: string;
  code: number;
  data: ErrorData;
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }): ErrorShape {
    return { message: publicMessage(error), code: shape.code, data: errorData(error, shape.data.path) };
  },
});

/** What callers learn of an error: its code and status, and the details of its reason. Used by the REST surfaces too. */
export function errorData(error: TRPCError, path?: string): ErrorData {
  return { code: error.code as ErrorCode, httpStatus: getHTTPStatusCodeFromError(error), ...(path ? { path } : {}), ...detailsOf(error) };
}

function detailsOf(error: TRPCError): ErrorDetails | undefined {
  if (error.cause instanceof DomainError) return error.cause.details;
  if (error.cause instanceof ZodError) {
    return {
      reason: 'INVALID_INPUT',
      issues: error.cause.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message })),
    };
  }
  return undefined;
}

/** The message callers see. An unexpected failure's own message may hold SQL or internals: that goes to the log only. */
export function publicMessage(error: TRPCError): string {
  const details = detailsOf(error);
  if (details?.reason === 'INVALID_INPUT') {
    return `Invalid input: ${details.issues.map((i) => (i.path ? `${i.path} ${i.message}` : i.message)).join('; ')}`;
  }
  if (error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof DomainError)) return 'Internal server error';
  return error.message;
}

// 3. MIDDLEWARES

/** Outermost, so it sees every call's final outcome (auth and input errors included): one log line, its metrics. */
const observed = t.middleware(async ({ ctx, path, next }) => {
  const started = performance.now();
  const result = await next();
  observeCall(ctx, path, result as CallResult, performance.now() - started);
  return result;
});

/** A DomainError thrown anywhere below becomes the tRPC error of its code (and so its HTTP status). */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.code, message: cause.message, cause });
  }
  return result;
});

/**
 * A fresh EntityManager for each call. Per call, not per request: the calls of one batched
 * request share its context and run concurrently, and an EntityManager must not be shared.
 */
const withEntityManager = t.middleware(({ ctx, next }) => next({ ctx: { em: ctx.deps.orm.em.fork() } }));

/** From here on the caller is known: `ctx.principal`. */
const authenticated = t.middleware(({ ctx, next }) => {
  if ('error' in ctx.auth) throw ctx.auth.error;
  return next({ ctx: { principal: ctx.auth.principal } });
});

// 4. PROCEDURES

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

const baseProcedure = t.procedure.use(observed).use(domainErrors).use(withEntityManager);

/** Any principal: nothing answers without one (only /health, /ready and the docs do, outside tRPC). */
export const authedProcedure = baseProcedure.use(authenticated);

const onlyFor = (...kinds: PrincipalKind[]) =>
  authedProcedure.use(({ ctx, path, next }) => {
    if (!kinds.includes(ctx.principal.kind)) throw notAllowed(ctx.principal.kind, `call ${path}`);
    return next();
  });

/** Admins only: keys, reconciliation, the grant, the schema. */
export const adminProcedure = onlyFor('admin');

/** Admins and services: changes a user may not make to itself (recharge, set, reset), and other users' data. */
export const serviceProcedure = onlyFor('admin', 'service');

/**
 * One user's data, named by the input's `userId`: admins and services may name anyone, a user
 * only itself (by either of its ids). Checked before anything is read, so a user learns nothing
 * of another, not even whether it exists.
 */
export function userProcedure<T extends z.ZodType<{ userId: UserRef }>>(input: T) {
  return authedProcedure.input(input).use(({ ctx, input: parsed, next }) => {
    const { userId } = parsed as { userId: UserRef };
    if (!mayActOn(ctx.principal, userId)) throw notAllowed(ctx.principal.kind, `act on user ${userId}`);
    return next();
  });
}
