import { z } from 'zod';
import type { AnyRoute, InputIssue, RestError, Surface } from './route';

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
 * An input issue as Pydantic 2 reports it. Type problems get Pydantic's type names and messages
 * (clients match on `type`); the rules of our procedures (positive amounts, at most 4 decimal
 * places, an email...) are `value_error` with our message, which says what the rule is.
 */
function pydanticError(issue: InputIssue, route: AnyRoute) {
  const [type, msg] = pydanticKind(issue, route) ?? ['value_error', issue.message];
  return { type, loc: [issue.location, ...issue.path], msg, ...(issue.input !== undefined && { input: issue.input }) };
}

function pydanticKind(issue: InputIssue, route: AnyRoute): [string, string] | undefined {
  if (issue.code === 'missing') return ['missing', 'Field required'];
  if (issue.code === 'json_invalid') return ['json_invalid', 'JSON decode error'];
  if (issue.code === 'invalid_value') return ['literal_error', issue.message];
  if (issue.code !== 'invalid_type' && issue.code !== 'invalid_union') return undefined;
  if (issue.expected === 'int') return ['int_from_float', 'Input should be a valid integer, got a number with a fractional part'];
  const text = typeof issue.input === 'string';
  switch (declaredType(route, issue)) {
    case 'integer':
      return text ? ['int_parsing', 'Input should be a valid integer, unable to parse string as an integer'] : ['int_type', 'Input should be a valid integer'];
    case 'number':
      return text ? ['float_parsing', 'Input should be a valid number, unable to parse string as a number'] : ['float_type', 'Input should be a valid number'];
    case 'string':
      return ['string_type', 'Input should be a valid string'];
    case 'boolean':
      return text ? ['bool_parsing', 'Input should be a valid boolean, unable to interpret input'] : ['bool_type', 'Input should be a valid boolean'];
    case 'array':
      return ['list_type', 'Input should be a valid list'];
    case 'object':
      return issue.path.length ? ['dict_type', 'Input should be a valid dictionary'] : ['model_attributes_type', 'Input should be a valid dictionary or object to extract fields from'];
    default:
      return undefined;
  }
}

/**
 * The JSON type the route declares for an issue's field, from the same schemas its requests are
 * checked with. A number that may also come as a numeric string (lax, as Pydantic) is a number.
 */
function declaredType(route: AnyRoute, issue: InputIssue): string | undefined {
  const shape = issue.location === 'path' ? route.params : issue.location === 'query' ? route.query : route.body;
  if (!shape) return undefined;
  let node: JsonNode | undefined = jsonSchemaOf(shape);
  for (const key of issue.path) node = (typeof key === 'number' ? node?.items : node?.properties?.[key]) as JsonNode | undefined;
  const types = new Set([node?.type, ...(node?.anyOf ?? []).map((n) => n.type)].filter((t): t is string => typeof t === 'string'));
  if (types.has('integer')) return 'integer';
  if (types.has('number')) return 'number';
  return types.size === 1 ? [...types][0] : undefined;
}

interface JsonNode {
  type?: string;
  anyOf?: JsonNode[];
  items?: JsonNode;
  properties?: Record<string, JsonNode>;
}
const jsonSchemas = new WeakMap<z.ZodType, JsonNode>();
function jsonSchemaOf(schema: z.ZodType): JsonNode {
  let json = jsonSchemas.get(schema);
  if (!json) jsonSchemas.set(schema, (json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonNode));
  return json;
}


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
