import { z } from 'zod';
import type { AnyRoute, InputIssue } from './route';

/**
 * An input issue as Pydantic 2 reports it. Type problems get Pydantic's type names and messages
 * (clients match on `type`); the rules of our procedures (positive amounts, at most 4 decimal
 * places, an email...) are `value_error` with our message, which says what the rule is.
 */
export function pydanticError(issue: InputIssue, route: AnyRoute) {
  const [type, msg] = pydanticKind(issue, route) ?? ['value_error', issue.message];
  return { type, loc: [issue.location, ...issue.path], msg, ...echoed(issue.input) };
}

/** Longest `input` echoed back, as JSON. */
const MAX_ECHO = 4_096;

/**
 * The value sent, echoed as Pydantic does; left out when its JSON is longer than MAX_ECHO, or
 * nested deeper than JSON.stringify can go: an answer stays small, and always writable.
 */
function echoed(input: unknown): { input?: unknown } {
  if (input === undefined) return {};
  try {
    return JSON.stringify(input).length <= MAX_ECHO ? { input } : {};
  } catch {
    return {};
  }
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
  if (!json) {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonNode;
    jsonSchemas.set(schema, json);
  }
  return json;
}
