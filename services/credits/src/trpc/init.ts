/**
 * The tRPC setup, in the order a request meets it: context, tRPC itself, middleware, procedures.
 */
import type { UserRef } from '@credits/contract';
import { initTRPC } from '@trpc/server';
import superjson from 'superjson';
import type { z } from 'zod';
import { mayActOn, type PrincipalKind } from '../auth/principal';
import { notAllowed } from '../domain/errors';
import type { Context } from './context';
import { withinDeadline } from './deadline';
import { asTRPCError, type ErrorShape, errorShape } from './errors';
import { type CallResult, observeCall } from './observe';

// 1. CONTEXT: see context.ts (createContextInner, without HTTP, for tests and REST).

// 2. INITIALIZATION

/**
 * What a procedure declares about itself with `.meta()`: for the metrics, what its result is
 * (`transaction`: a ledger row; `usage`: a usage record, charged or not). Written out here, not
 * named: the SDK's d.ts then carries the literal type and names nothing of the service.
 */
const t = initTRPC.context<Context>().meta<{ writes?: 'transaction' | 'usage' }>().create({
  transformer: superjson,
  // Event streams: a comment every 15 s keeps proxies from closing an idle stream, and a client
  // that hears nothing for 45 s reconnects (resuming after its last event id).
  sse: { ping: { enabled: true, intervalMs: 15_000 }, client: { reconnectAfterInactivityMs: 45_000 } },
  errorFormatter: ({ shape, error }): ErrorShape => errorShape(error, shape.data.path),
});

export type Meta = (typeof t)['_config']['$types']['meta'];

// 3. MIDDLEWARE

/**
 * One middleware around every call, doing in order what each call needs. One, not five: tRPC
 * copies a call's options and context at every middleware, and with five that copying was a
 * fifth of the service's CPU under load.
 * 1. The caller: known from here on as `ctx.principal` (else UNAUTHORIZED), and one of `kinds`.
 * 2. A fresh EntityManager per call. Per call, not per request: the calls of one batched request
 *    share its context and run concurrently, and an EntityManager must not be shared.
 * 3. The deadline (see deadline.ts).
 * 4. A DomainError thrown anywhere below becomes the tRPC error of its code (and so its HTTP status).
 * 5. One log line and the metrics of the call's final outcome, whatever it is (auth and input
 *    errors included).
 */
function callBy(kinds: readonly PrincipalKind[] | 'anyone') {
  return t.middleware(async ({ ctx, path, meta, next }) => {
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
      observeCall(ctx, path, { ok: false, error: failure }, performance.now() - started, meta);
      throw failure;
    }
    observeCall(ctx, path, result as CallResult, performance.now() - started, meta);
    return result;
  });
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
