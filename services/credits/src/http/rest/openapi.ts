import { z } from 'zod';
import type { AnyRoute } from './route';

/**
 * The OpenAPI 3.1 document of the REST routes, generated from the same table the handler serves
 * and the same zod schemas it checks requests with: the docs cannot drift from the service.
 */
export function openApiDocument(routes: AnyRoute[], version: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const methods = paths[route.path] ?? {};
    paths[route.path] = methods;
    methods[route.method.toLowerCase()] = {
      operationId: operationId(route),
      summary: route.summary,
      tags: [route.tag],
      security: route.public ? [] : [{ bearer: [] }, { apiKey: [] }, { adminKey: [] }],
      parameters: [...parameters(route, 'path'), ...parameters(route, 'query')],
      ...(route.body && {
        requestBody: {
          required: true,
          content: { 'application/json': { schema: schemaOf(route.body, 'input'), ...(route.example?.body && { example: route.example.body }) } },
        },
      }),
      responses: {
        200: {
          description: 'Success',
          ...(route.headers && {
            headers: Object.fromEntries(Object.entries(route.headers).map(([name, h]) => [name, { description: h.description, schema: { type: 'string' } }])),
          }),
          content: { 'application/json': { schema: schemaOf(route.response, 'output') } },
        },
        default: { description: `An error, as ${route.surface.name} writes them`, content: { 'application/json': { schema: schemaOf(route.surface.errorSchema, 'output') } } },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Credits',
      version,
      description:
        'Credits, usage records and sessions. These REST routes answer the way the seed systems did; TypeScript services get the same operations, fully typed, from the @credits/client SDK (tRPC at /trpc).',
    },
    tags: [...new Set(routes.map((r) => r.tag))].map((name) => ({ name })),
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API key (ck_live_…), the admin key, or a JWT from the configured issuer' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        adminKey: { type: 'apiKey', in: 'header', name: 'x-admin-key' },
      },
    },
    paths,
  };
}

/** GET /api/credits/{user_id} -> getApiCreditsUserId: stable, unique, readable. */
function operationId(route: AnyRoute): string {
  const words = route.path.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return route.method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');
}

function schemaOf(schema: z.ZodType, io: 'input' | 'output') {
  const { $schema: _, ...json } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return json;
}

function parameters(route: AnyRoute, where: 'path' | 'query') {
  const shape = where === 'path' ? route.params : route.query;
  if (!shape) return [];
  const json = schemaOf(shape, 'input') as { properties?: Record<string, unknown>; required?: string[] };
  const example = where === 'path' ? route.example?.params : route.example?.query;
  return Object.entries(json.properties ?? {}).map(([name, schema]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema,
    ...(example?.[name] !== undefined && { example: example[name] }),
  }));
}
