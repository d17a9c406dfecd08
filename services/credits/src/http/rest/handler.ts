import type http from 'node:http';
import type { z } from 'zod';
import type { AuthResult } from '../../auth/authenticate';
import { missingCredentials } from '../../domain/errors';
import { createContextInner, type Deps } from '../../trpc/context';
import { asTRPCError, errorData, publicMessage } from '../../trpc/errors';
import { createCaller } from '../../trpc/router';
import { MAX_BODY_BYTES } from '../limits';
import { authenticateRequest } from '../request-auth';
import { callsOf } from '../request-log';
import type { AnyRoute, InputIssue, RestError } from './route';

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
    const sent: Sent = { path: {}, query: Object.fromEntries(url.searchParams), body: {} };
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
      const values = match.pattern.exec(url.pathname)!.slice(1);
      sent.path = Object.fromEntries(match.names.map((name, i) => [name, decodePathValue(name, values[i]!)]));
      if (route.body) sent.body = await readJson(req);
      const request = parseAll(route, sent);
      const api = createCaller(
        createContextInner(deps, auth, { requestId: req.headers['x-request-id'] as string, route: `${route.method} ${route.path}`, calls: callsOf(req) }),
      );
      const result = await route.call(api, request);
      const headers = Object.entries(route.headers ?? {}).flatMap(([name, h]) => {
        const value = h.value(request, result);
        return value === undefined ? [] : [[name, value] as const];
      });
      const text = JSON.stringify(route.surface.success(route.respond(result, request), route));
      res.writeHead(200, { 'content-type': 'application/json', ...Object.fromEntries(headers) }).end(text);
    } catch (error) {
      const rest = toRestError(error, route, sent);
      if (rest.code === 'INTERNAL_SERVER_ERROR') deps.log.error({ err: error, route: `${route.method} ${route.path}` }, 'REST call failed');
      write(res, route, route.adjust ? route.adjust(rest) : rest);
    }
    return true;
  };
}

class InputError extends Error {
  constructor(readonly issues: InputIssue[]) {
    super('invalid input');
  }
}

/** What the request carried, by where: path parameters, query parameters, the JSON body. */
type Sent = Record<InputIssue['location'], unknown>;

/** The request's three parts checked against the route's shapes; every problem in all of them is reported. */
function parseAll(route: AnyRoute, sent: Sent) {
  const issues: InputIssue[] = [];
  const parse = (schema: z.ZodType | undefined, location: InputIssue['location']) => {
    if (!schema) return {};
    const result = schema.safeParse(sent[location], { reportInput: true });
    if (result.success) return result.data;
    for (const i of result.error.issues) {
      const path = i.path as (string | number)[];
      const missing = i.input === undefined && path.length > 0 && (i.code === 'invalid_type' || i.code === 'invalid_union');
      issues.push({
        ...issue(location, path, missing ? 'is required' : i.message, missing ? valueAt(sent[location], path.slice(0, -1)) : i.input),
        code: missing ? 'missing' : i.code,
        ...('expected' in i && { expected: String(i.expected) }),
      });
    }
    return {};
  };
  const request = { params: parse(route.params, 'path'), query: parse(route.query, 'query'), body: parse(route.body, 'body') };
  if (issues.length) throw new InputError(issues);
  return request;
}

const issue = (location: InputIssue['location'], path: (string | number)[], message: string, input: unknown): InputIssue => ({
  location,
  path,
  field: path.join('.') || location,
  message,
  ...(input !== undefined && { input }),
});

function decodePathValue(name: string, value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    throw new InputError([issue('path', [name], 'must be valid percent-encoding', value)]);
  }
}

function valueAt(value: unknown, path: (string | number)[]): unknown {
  return path.reduce<unknown>((at, key) => (at !== null && typeof at === 'object' ? (at as Record<string | number, unknown>)[key] : undefined), value);
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
  } catch (error) {
    // FastAPI's loc for it is ['body', <character offset>]: where the parser stopped, or the end.
    const at = Number(/at position (\d+)/.exec((error as Error).message)?.[1] ?? text.length);
    throw new InputError([{ ...issue('body', [at], 'must be valid JSON', undefined), field: 'body', code: 'json_invalid' }]);
  }
}

class RestFailure extends Error {
  constructor(readonly error: RestError) {
    super(error.message);
  }
}

const failure = (status: number, code: RestError['code'], message: string): RestError => ({ status, code, message, reason: undefined, issues: [] });

/** Our error, in the route's field names: a procedure's input issue names the REST field it came from, and where it was sent. */
function toRestError(error: unknown, route: AnyRoute, sent: Sent): RestError {
  if (error instanceof RestFailure) return error.error;
  if (error instanceof InputError) {
    const text = error.issues.map((i) => `${i.field} ${i.message}`).join('; ');
    return { status: 400, code: 'BAD_REQUEST', reason: 'INVALID_INPUT', message: `Invalid input: ${text}`, issues: error.issues };
  }
  const trpc = asTRPCError(error);
  const data = errorData(trpc);
  const issues = data.reason === 'INVALID_INPUT' ? data.issues.map((i) => restIssue(route, sent, route.fields?.[i.path] ?? i.path, i.message)) : [];
  const message = issues.length ? `Invalid input: ${issues.map((i) => `${i.field} ${i.message}`).join('; ')}` : publicMessage(trpc);
  return { status: data.httpStatus, code: data.code, reason: data.reason, message, issues };
}

/** A procedure's issue at REST field `field` (`column.name`): in the part of the request that has it. */
function restIssue(route: AnyRoute, sent: Sent, field: string, message: string): InputIssue {
  const path = field.split('.').map((key) => (/^\d+$/.test(key) ? Number(key) : key));
  const head = String(path[0]);
  const location = route.params?.shape[head] ? 'path' : route.query?.shape[head] ? 'query' : 'body';
  return { ...issue(location, path, message, valueAt(sent[location], path)), field };
}

function write(res: http.ServerResponse, route: AnyRoute, error: RestError): void {
  const { status, body } = route.surface.failure(error, route);
  // Serialized before the status line goes out: a body that cannot be written must not leave a half answer.
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json' }).end(text);
}

