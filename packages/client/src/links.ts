import type { TRPCLink } from '@trpc/client';
import { observable } from '@trpc/server/observable';
import type { AppRouter } from './service-types';
import { CreditsError } from './errors';

/** Outermost: whatever failed, after any retries, reaches the caller as a CreditsError. */
export function creditsErrorLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) =>
      observable((observer) => {
        const subscription = next(op).subscribe({
          next: (value) => observer.next(value),
          error: (error) => observer.error(CreditsError.from(error)),
          complete: () => observer.complete(),
        });
        return () => subscription.unsubscribe();
      });
}

/**
 * Gives every mutation an idempotency key unless the caller chose one. It sits before the retry
 * link, so every attempt of one call carries the same key and the service applies it once.
 */
export function idempotencyKeyLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) => {
      const input = op.input;
      if (op.type !== 'mutation' || typeof input !== 'object' || input === null || Array.isArray(input)) return next(op);
      if ((input as { idempotencyKey?: unknown }).idempotencyKey !== undefined) return next(op);
      return next({ ...op, input: { ...input, idempotencyKey: randomId() } });
    };
}

/**
 * Gives every call a request id (`op.context.requestId`, unless the caller set one) that the
 * transport sends as `x-request-id`; the service logs it on the call's line, so one id finds a call
 * on both sides. Before the retry link, so every attempt of a call carries the same id.
 */
export function requestIdLink(): TRPCLink<AppRouter> {
  return () =>
    ({ op, next }) => {
      if (typeof op.context.requestId === 'string') return next(op);
      return next({ ...op, context: { ...op.context, requestId: randomId() } });
    };
}

/**
 * A random UUID (v4). Browsers offer `crypto.randomUUID` only in secure contexts (https, or
 * localhost): a page served over plain http from another host, such as the console on an internal
 * address, has only `getRandomValues`, which every context has.
 */
export function randomId(): string {
  const { crypto } = globalThis;
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6]! & 0x0f) | 0x40;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The `x-request-id` of one HTTP request: its call's id; a batch sends its first call's. */
export function requestIdHeader(ops: readonly { context: Record<string, unknown> }[]): Record<string, string> {
  const id = ops[0]?.context.requestId;
  return typeof id === 'string' ? { 'x-request-id': id } : {};
}
