import type { ErrorCode, ErrorReason } from '@credits/contract';
import { z } from 'zod';
import type { createCaller } from '../../trpc/router';

/**
 * A REST route is a declaration, not a handler: which procedure it calls, how the request's
 * fields become the procedure's input, and how the procedure's result (or error) becomes the
 * response the seed's clients expect. Validation belongs to the procedures (the contract's
 * schemas); a route only checks the types of its own request shape.
 */

/** The procedures, called in-process with the request's principal. */
export type Api = ReturnType<typeof createCaller>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How a surface writes successes and failures (the seeds differ: FastAPI details, or an envelope). */
export interface Surface {
  name: string;
  /** The JSON of a success, from the route's own body. */
  success(body: unknown, route: AnyRoute): unknown;
  /** Status and JSON of a failure of `route`. */
  failure(error: RestError, route: AnyRoute): { status: number; body: unknown };
  /** The shape of `failure` bodies, for the OpenAPI document. */
  errorSchema: z.ZodType;
}

/** A failure, in the terms a surface needs. */
export interface RestError {
  code: ErrorCode;
  status: number;
  message: string;
  reason: ErrorReason | undefined;
  /** Input problems, with the field names of the REST request. */
  issues: InputIssue[];
}

/** A problem with one input field, named where the caller sent it. */
export interface InputIssue {
  /** The part of the request it is in (FastAPI's `loc` starts with it). */
  location: 'body' | 'path' | 'query';
  /** The field within that part, in the REST request's names (['column', 'name']); empty: the part itself. */
  path: (string | number)[];
  /** `path` joined with dots, or the part's name when the path is empty. */
  field: string;
  message: string;
  /** What the request's own check found: `missing`, `json_invalid` or zod's issue code; absent for a procedure's rules. */
  code?: string;
  /** Of an invalid_type: what was expected (`int`: a number with a fraction was sent for an integer). */
  expected?: string;
  /** The value sent there; for a missing field, the object it is missing from. */
  input?: unknown;
}

type Shape = z.ZodObject;
type In<S extends Shape | undefined> = S extends Shape ? z.output<S> : Record<string, never>;

export interface Route<P extends Shape | undefined, Q extends Shape | undefined, B extends Shape | undefined, R> {
  method: HttpMethod;
  /** With `{name}` placeholders, e.g. /api/credits/{user_id}/add. */
  path: string;
  summary: string;
  tag: string;
  surface: Surface;
  /** Answers without credentials (only the seeds' `GET /` and `GET /health`). */
  public?: true;
  params?: P;
  query?: Q;
  body?: B;
  call(api: Api, request: { params: In<P>; query: In<Q>; body: In<B> }): Promise<R>;
  /** The REST body of a success: its schema (for the docs) and how it is made from the result. */
  response: z.ZodType;
  respond(result: R, request: { params: In<P>; query: In<Q>; body: In<B> }): unknown;
  /** Procedure field → REST field, so that input errors name what the caller sent. */
  fields?: Record<string, string>;
  /** Response headers of a success, with their meaning (for the docs); a value of undefined is not sent. */
  headers?: Record<string, { description: string; value(request: { params: In<P>; query: In<Q>; body: In<B> }, result: NoInfer<R>): string | undefined }>;
  /** The envelope's `message` on success (seed 004). */
  message?: string;
  /** Rewrites a failure as the seed's clients expect it (their messages and statuses). */
  adjust?: (error: RestError) => RestError;
  /** Request values for the docs and the generated Postman collection. */
  example?: { params?: Record<string, unknown>; query?: Record<string, unknown>; body?: Record<string, unknown> };
}

// biome-ignore lint: a table of routes of every shape
export type AnyRoute = Route<any, any, any, any>;

type Preset = Pick<AnyRoute, 'tag' | 'surface' | 'adjust'>;

/** A family of routes that share a tag, a surface and their seed's words for failures; returns its route builder. */
export function routeFamily(preset: Preset) {
  return <P extends Shape | undefined = undefined, Q extends Shape | undefined = undefined, B extends Shape | undefined = undefined, R = unknown>(
    definition: Omit<Route<P, Q, B, R>, keyof Preset>,
  ): AnyRoute => ({ ...preset, ...definition }) as AnyRoute;
}

/** An ISO date-time string in a query (start_date=2024-01-01T00:00:00Z), as a Date. */
export const queryDate = z.coerce.date({ error: 'must be a date-time such as 2024-01-15T10:30:00Z' });
export const queryInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const queryBool = z.stringbool({ error: 'must be true or false' });
