/**
 * The tRPC setup, in the order a request meets it: context, tRPC itself, middlewares, procedures.
 */
import { randomUUID } from 'node:crypto';
import type { ErrorCode, ErrorData, ErrorDetails, UserRef } from '@credits/contract';
import { initTRPC, TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';
import superjson from 'superjson';
import { type z, ZodError } from 'zod';
import type { AuthResult, Authenticate } from '../auth/authenticate';
import { mayActOn, type PrincipalKind } from '../auth/principal';
import { cancellable } from '../db/cancellable';
import { databaseFailureOf } from '../db/failures';
import type { MikroORM } from '../db/orm';
import type { GrantSettings } from '../domain/grants';
import { databaseTimeout, databaseUnavailable, deadlineExceeded, DomainError, notAllowed } from '../domain/errors';
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
  /** How long a call may take before its statements are cancelled and it answers TIMED_OUT. */
  requestTimeoutMs: number;
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
    const known = publicError(error);
    return { message: publicMessage(known), code: TRPC_ERROR_CODES_BY_KEY[known.code], data: errorData(known, shape.data.path) };
  },
});

/** The DomainError an error stands for: itself, or what a database failure means to callers. */
function domainCause(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  const failure = databaseFailureOf(error);
  if (failure === 'unavailable') return databaseUnavailable();
  if (failure === 'timeout') return databaseTimeout();
  return undefined;
}

/**
 * `error` as callers should see it. A database failure outside the procedures' middlewares
 * (authentication in createContext, a REST handler) is still UNAVAILABLE or TIMED_OUT, not an
 * internal error. Used by the REST surfaces too.
 */
export function publicError(error: TRPCError): TRPCError {
  if (error.code !== 'INTERNAL_SERVER_ERROR' || error.cause instanceof DomainError) return error;
  const cause = domainCause(error.cause);
  return cause ? new TRPCError({ code: cause.code, message: cause.message, cause }) : error;
}

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

// 3. MIDDLEWARE

/**
 * One middleware around every call, doing in order what each call needs. One, not five: tRPC
 * copies a call's options and context at every middleware, and with five that copying was a
 * fifth of the service's CPU under load.
 * 1. The caller: known from here on as `ctx.principal` (else UNAUTHORIZED), and one of `kinds`.
 * 2. A fresh EntityManager per call. Per call, not per request: the calls of one batched request
 *    share its context and run concurrently, and an EntityManager must not be shared.
 * 3. The deadline (see withinDeadline).
 * 4. A DomainError thrown anywhere below becomes the tRPC error of its code (and so its HTTP status).
 * 5. One log line and the metrics of the call's final outcome, whatever it is (auth and input
 *    errors included).
 */
function callBy(kinds: readonly PrincipalKind[] | 'anyone') {
  return t.middleware(async ({ ctx, path, next }) => {
    const started = performance.now();
    let result;
    try {
      if ('error' in ctx.auth) throw ctx.auth.error;
      const { principal } = ctx.auth;
      if (kinds !== 'anyone' && !kinds.includes(principal.kind)) throw notAllowed(principal.kind, `call ${path}`);
      result = await withinDeadline(ctx.deps.requestTimeoutMs, () => next({ ctx: { em: ctx.deps.orm.em.fork(), principal } }));
      if (!result.ok) throw result.error;
    } catch (error) {
      const failure = asTRPCError(error);
      observeCall(ctx, path, { ok: false, error: failure }, performance.now() - started);
      throw failure;
    }
    observeCall(ctx, path, result as CallResult, performance.now() - started);
    return result;
  });
}

function asTRPCError(error: unknown): TRPCError {
  const trpcError = error instanceof TRPCError ? error : new TRPCError({ code: 'INTERNAL_SERVER_ERROR', cause: error });
  const cause = domainCause(trpcError.cause);
  return cause ? new TRPCError({ code: cause.code, message: cause.message, cause }) : trpcError;
}

/** After a deadline's cancel, how long the call may take to report how it ended. */
const CANCEL_GRACE_MS = 1_000;

/**
 * Every call answers within REQUEST_TIMEOUT_MS (plus the grace). Past it, the statements it is
 * running are cancelled in PostgreSQL, which rolls them back, so the caller is told the truth:
 * nothing was changed, or (when the call ended anyway) its real result.
 */
async function withinDeadline<R extends CallResult>(ms: number, work: () => Promise<R>): Promise<R> {
  const call = cancellable(work);
  const onTime = await settleWithin(call.done, ms);
  if (onTime) return onTime.result;
  await call.cancel();
  const late = await settleWithin(call.done, CANCEL_GRACE_MS);
  if (!late) throw deadlineExceeded(ms, false);
  if (!late.result.ok && databaseFailureOf(late.result.error.cause) === 'timeout') throw deadlineExceeded(ms, true);
  return late.result;
}

async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ result: T } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise.then((result) => ({ result })), expired]);
  } finally {
    clearTimeout(timer);
  }
}

// 4. PROCEDURES

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Any principal: nothing answers without one (only /health, /ready and the docs do, outside tRPC). */
export const authedProcedure = t.procedure.use(callBy('anyone'));

/** Admins only: keys, reconciliation, the grant, the schema. */
export const adminProcedure = t.procedure.use(callBy(['admin']));

/** Admins and services: changes a user may not make to itself (recharge, set, reset), and other users' data. */
export const serviceProcedure = t.procedure.use(callBy(['admin', 'service']));

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
