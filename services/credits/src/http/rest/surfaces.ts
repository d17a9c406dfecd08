import { z } from 'zod';
import { pydanticError } from './pydantic';
import type { AnyRoute, RestError, Surface } from './route';

/**
 * Seeds 000-002 are FastAPI services: a success is the body itself; a failure is
 * `{"detail": "..."}`, and invalid input is 422 with Pydantic 2's list of
 * `{type, loc, msg, input}`, `loc` starting with where the field was sent (body, path, query).
 */
export const fastapi: Surface = {
  name: 'seeds 000-002 (FastAPI)',
  success: (body) => body,
  failure(error, route) {
    if (error.reason === 'INVALID_INPUT') return { status: 422, body: { detail: error.issues.map((i) => pydanticError(i, route)) } };
    return { status: error.status, body: { detail: error.message } };
  },
  errorSchema: z.object({
    detail: z.union([
      z.string(),
      z.array(z.object({ type: z.string(), loc: z.array(z.union([z.string(), z.number()])), msg: z.string(), input: z.unknown().optional() })),
    ]),
  }),
};

/**
 * Seed 004 wraps everything: `{success, status, message, data}`, and failures as
 * `{success: false, status: "error", message, error_code, timestamp}`. Its clients read a 400 as
 * "insufficient credits", so that refusal is a 400 here (with its error_code), as is invalid input.
 */
export const envelope: Surface = {
  name: 'seed 004 (user service)',
  success: (body, route: AnyRoute) => ({ success: true, status: 'success', message: route.message ?? 'OK', data: body }),
  failure(error: RestError) {
    const status = error.reason === 'INSUFFICIENT_CREDITS' || error.reason === 'INVALID_INPUT' ? 400 : error.status;
    return {
      status,
      body: { success: false, status: 'error', message: error.message, error_code: exceptionName(error), timestamp: new Date().toISOString() },
    };
  },
  errorSchema: z.object({
    success: z.literal(false),
    status: z.literal('error'),
    message: z.string(),
    error_code: z.string(),
    timestamp: z.string(),
  }),
};

/** The envelope's success schema around a route's data, for the docs. */
export const enveloped = (data: z.ZodType) =>
  z.object({ success: z.literal(true), status: z.literal('success'), message: z.string(), data });

/** INSUFFICIENT_CREDITS -> InsufficientCreditsException: the seed's naming, from our reasons and codes. */
function exceptionName(error: RestError): string {
  const words = (error.reason ?? error.code).toLowerCase().split('_');
  return `${words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('')}Exception`;
}
