import type http from 'node:http';
import type { z } from 'zod';
import type { AuthResult } from '../../auth/authenticate';
import { missingCredentials } from '../../domain/errors';
import { createContextInner, type Deps } from '../../trpc/context';
import { asTRPCError, errorData, publicMessage } from '../../trpc/errors';
import { createCaller } from '../../trpc/router';
import { MAX_BODY_BYTES } from '../limits';
import { authenticateRequest } from '../request-auth';
import type { AnyRoute, RestError } from './route';

interface Compiled {
  route: AnyRoute;
  pattern: RegExp;
  names: string[];
}

/**
 * Serves a table of routes: match, authenticate (from the headers, before anything else is
 * read), check the request's types, call the route's procedure with the request's principal, and
 * write the result or the error the way the route's surface does. Answers false when no route has
 * the path.
 */
export function createRestHandler(deps: Deps, routes: AnyRoute[]) {
  const compiled: Compiled[] = routes.map((route) => {
    const names: string[] = [];
    const source = route.path
      .replace(/\/$/, '')
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{(\w+)\}/g, (_, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
    // A trailing slash is optional (FastAPI would redirect /users to /users/).
    return { route, names, pattern: new RegExp(`^${source}/?$`) };
  });

  return async function handle(req: http.IncomingMessage, res: http.ServerResponse, url: URL, method: string): Promise<boolean> {
    const matches = compiled.filter((c) => c.pattern.test(url.pathname));
    if (!matches.length) return false;
    const match = matches.find((c) => c.route.method === method);
    const { route } = match ?? matches[0]!;
    try {
      // Public routes answer anyone; every other route needs a principal before its method, its
      // path or its body is looked at.
      const auth: AuthResult = match?.route.public ? { error: missingCredentials() } : await authenticateRequest(deps, req);
      if (!match?.route.public && 'error' in auth) throw auth.error;
      if (!match) {
        const allowed = matches.map((c) => c.route.method).join(', ');
        res.setHeader('allow', allowed);
        throw new RestFailure(failure(405, 'METHOD_NOT_SUPPORTED', `Method Not Allowed (use ${allowed})`));
      }
      const request = {
        params: parse(route.params, Object.fromEntries(match.names.map((name, i) => [name, pathValue(match.pattern.exec(url.pathname)![i + 1]!)]))),
        query: parse(route.query, Object.fromEntries(url.searchParams)),
        body: route.body ? parse(route.body, await readJson(req)) : {},
      };
      const api = createCaller(createContextInner(deps, auth, req.headers['x-request-id'] as string, `${route.method} ${route.path}`));
      const result = await route.call(api, request);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(route.surface.success(route.respond(result, request), route)));
    } catch (error) {
      const rest = toRestError(error, route);
      if (rest.code === 'INTERNAL_SERVER_ERROR') deps.log.error({ err: error, route: `${route.method} ${route.path}` }, 'REST call failed');
      write(res, route, route.adjust ? route.adjust(rest) : rest);
    }
    return true;
  };
}

/** A path segment as sent, decoded; a broken percent-encoding (`%E0%A4%A`) is bad input, not a crash. */
function pathValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new InputError([{ field: 'path', message: 'is not valid percent-encoded UTF-8' }]);
  }
}

class InputError extends Error {
  constructor(readonly issues: { field: string; message: string }[]) {
    super('invalid input');
  }
}

function parse(schema: z.ZodType | undefined, value: unknown) {
  if (!schema) return {};
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  throw new InputError(result.error.issues.map((i) => ({ field: i.path.join('.') || 'body', message: i.message })));
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) throw new RestFailure(failure(413, 'PAYLOAD_TOO_LARGE', `Request body larger than ${MAX_BODY_BYTES} bytes`));
      chunks.push(chunk);
    }
  } catch (error) {
    if (error instanceof RestFailure) throw error;
    // The client went away half way through its body: nobody is left to answer, nothing was done.
    throw new RestFailure(failure(400, 'BAD_REQUEST', 'The request body was cut off'));
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new InputError([{ field: 'body', message: 'must be valid JSON' }]);
  }
}

class RestFailure extends Error {
  constructor(readonly error: RestError) {
    super(error.message);
  }
}

const failure = (status: number, code: RestError['code'], message: string): RestError => ({ status, code, message, reason: undefined, issues: [] });

/** Our error, in the route's field names: a procedure's input issue names the REST field it came from. */
function toRestError(error: unknown, route: AnyRoute): RestError {
  if (error instanceof RestFailure) return error.error;
  if (error instanceof InputError) {
    const text = error.issues.map((i) => `${i.field} ${i.message}`).join('; ');
    return { status: 400, code: 'BAD_REQUEST', reason: 'INVALID_INPUT', message: `Invalid input: ${text}`, issues: error.issues };
  }
  const trpc = asTRPCError(error);
  const data = errorData(trpc);
  const issues = data.reason === 'INVALID_INPUT' ? data.issues.map((i) => ({ field: route.fields?.[i.path] ?? i.path, message: i.message })) : [];
  const message = issues.length ? `Invalid input: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}` : publicMessage(trpc);
  return { status: data.httpStatus, code: data.code, reason: data.reason, message, issues };
}

function write(res: http.ServerResponse, route: AnyRoute, error: RestError): void {
  const { status, body } = route.surface.failure(error);
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

