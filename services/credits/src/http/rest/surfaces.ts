import { z } from 'zod';
import type { AnyRoute, RestError, Surface } from './route';

/**
 * Seeds 000-002 are FastAPI services: a success is the body itself; a failure is
 * `{"detail": "..."}`, and invalid input is 422 with FastAPI's list of `{loc, msg, type}`.
 */
export const fastapi: Surface = {
  name: 'seeds 000-002 (FastAPI)',
  success: (body) => body,
  failure(error) {
    if (error.reason === 'INVALID_INPUT') {
      return { status: 422, body: { detail: error.issues.map((i) => ({ loc: [i.field], msg: i.message, type: 'value_error' })) } };
    }
    return { status: error.status, body: { detail: error.message } };
  },
  errorSchema: z.object({
    detail: z.union([z.string(), z.array(z.object({ loc: z.array(z.string()), msg: z.string(), type: z.string() }))]),
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
