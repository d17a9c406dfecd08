/**
 * The Postman collection of the REST routes, generated from the OpenAPI document:
 *   pnpm --filter @credits/service postman          writes docs/credits.postman_collection.json
 *   pnpm --filter @credits/service postman:run      runs it with newman (BASE_URL, API_KEY)
 * Every request asserts its documented status and that its body matches the documented schema.
 * Requests run in document order against one user made by the first request that creates one.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openApiDocument } from '../src/http/rest/openapi';
import { restRoutes } from '../src/http/server';

export const COLLECTION_FILE = path.resolve(import.meta.dirname, '../docs/credits.postman_collection.json');

type Operation = {
  operationId: string;
  summary: string;
  parameters: { name: string; in: 'path' | 'query'; example?: unknown }[];
  requestBody?: { content: { 'application/json': { example?: Record<string, unknown> } } };
  responses: Record<string, { content: { 'application/json': { schema: unknown } } }>;
};

/** Path parameters become collection variables, so requests chain on the records the first ones make. */
const PATH_VARIABLES: Record<string, Record<string, string>> = {
  user_id: { seed000: '{{userId}}', seed004: '{{externalUserIdEncoded}}' },
  session_id: { any: '{{sessionId}}' },
  hold_id: { any: '{{holdId}}' },
  endpoint_id: { any: '{{endpointId}}' },
};

/** Names the examples create, made unique per run so the collection can run again on the same service (in SQL text too). */
const PER_RUN: Record<string, string> = { products: '{{tableName}}', phone: '{{columnName}}', bonus_points: '{{bonusColumn}}', nickname: '{{nicknameColumn}}' };
const perRun = (value: unknown): unknown => (typeof value === 'string' ? value.replace(/\w+/g, (word) => PER_RUN[word] ?? word) : value);

/** What a request's answer sets for the ones after it. */
const CAPTURES: Record<string, string[]> = {
  postUsers: ["pm.collectionVariables.set('userId', pm.response.json().user_id);"],
  postApiV1UsersUserIdSessions: ["pm.collectionVariables.set('sessionId', pm.response.json().data.session_id);"],
  postApiV1UsersUserIdCreditsHolds: ["pm.collectionVariables.set('holdId', pm.response.json().data.hold_id);"],
  postApiV1Webhooks: ["pm.collectionVariables.set('endpointId', pm.response.json().data.endpoint_id);"],
  deleteApiV1WebhooksEndpointId: ["pm.collectionVariables.set('endpointId', pm.collectionVariables.get('keptEndpointId'));"],
};

/** What a request makes before it is sent (one request each): a release needs a hold of its own, the one placed before it having been captured. */
export const PREPARES: Record<string, string[]> = {
  // The removal runs before the endpoint's other routes (one path, PATCH then DELETE): it removes an endpoint of its own.
  deleteApiV1WebhooksEndpointId: [
    "pm.collectionVariables.set('keptEndpointId', pm.collectionVariables.get('endpointId'));",
    'pm.sendRequest({',
    "  url: pm.variables.replaceIn('{{baseUrl}}/api/v1/webhooks'),",
    "  method: 'POST',",
    "  header: { 'Content-Type': 'application/json', Authorization: pm.variables.replaceIn('Bearer {{apiKey}}') },",
    "  body: { mode: 'raw', raw: JSON.stringify({ url: 'https://example.com/hooks/removed', events: ['balance.low'] }) },",
    "}, (_error, response) => pm.collectionVariables.set('endpointId', response.json().data.endpoint_id));",
  ],
  postApiV1HoldsHoldIdRelease: [
    'pm.sendRequest({',
    "  url: pm.variables.replaceIn('{{baseUrl}}/api/v1/users/{{externalUserIdEncoded}}/credits/holds'),",
    "  method: 'POST',",
    "  header: { 'Content-Type': 'application/json', Authorization: pm.variables.replaceIn('Bearer {{apiKey}}') },",
    "  body: { mode: 'raw', raw: JSON.stringify({ amount: 1 }) },",
    "}, (_error, response) => pm.collectionVariables.set('holdId', response.json().data.hold_id));",
  ],
};

/** Bodies that must differ per run (a new user each time) or name the run's user. */
function body(operationId: string, example: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (operationId === 'postUsers') return { email: '{{email}}', name: 'Postman', external_id: '{{externalUserId}}' };
  if (!example) return undefined;
  const values = JSON.parse(JSON.stringify(example), (_, value: unknown) => perRun(value)) as Record<string, unknown>;
  return 'user_id' in values ? { ...values, user_id: '{{externalUserId}}' } : values;
}

export function postmanCollection(document: ReturnType<typeof openApiDocument>) {
  const items = [];
  for (const [route, methods] of Object.entries(document.paths)) {
    for (const [method, op] of Object.entries(methods as Record<string, Operation>)) {
      const family = route.startsWith('/api/v1/') ? 'seed004' : 'seed000';
      const example = (name: string) => op.parameters.find((p) => p.in === 'path' && p.name === name)?.example;
      const url = route.replace(/\{(\w+)\}/g, (_, name: string) => PATH_VARIABLES[name]?.[family] ?? PATH_VARIABLES[name]?.any ?? String(perRun(example(name))));
      const query = op.parameters.filter((p) => p.in === 'query' && p.example !== undefined).map((p) => ({ key: p.name, value: String(p.example) }));
      const requestBody = body(op.operationId, op.requestBody?.content['application/json'].example);
      const [status, response] = Object.entries(op.responses)[0]!;
      items.push({
        name: `${method.toUpperCase()} ${route} (${op.summary})`,
        request: {
          method: method.toUpperCase(),
          header: requestBody ? [{ key: 'Content-Type', value: 'application/json' }] : [],
          url: {
            raw: `{{baseUrl}}${url}${query.length ? `?${query.map((q) => `${q.key}=${q.value}`).join('&')}` : ''}`,
            host: ['{{baseUrl}}'],
            path: url.split('/').filter(Boolean),
            ...(query.length && { query }),
          },
          ...(requestBody && { body: { mode: 'raw', raw: JSON.stringify(requestBody, null, 2), options: { raw: { language: 'json' } } } }),
        },
        event: [
          ...(PREPARES[op.operationId] ? [{ listen: 'prerequest', script: { type: 'text/javascript', exec: PREPARES[op.operationId] } }] : []),
          {
            listen: 'test',
            script: {
              type: 'text/javascript',
              exec: [
                `pm.test('status ${status}', () => pm.response.to.have.status(${status}));`,
                `pm.test('body as documented', () => pm.response.to.have.jsonSchema(${JSON.stringify(response.content['application/json'].schema)}));`,
                ...(CAPTURES[op.operationId] ?? []),
              ],
            },
          },
        ],
      });
    }
  }
  return {
    info: {
      name: 'Credits REST API',
      description: 'Generated from /openapi.json by services/credits/scripts/postman.ts: do not edit by hand.',
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{apiKey}}', type: 'string' }] },
    variable: [
      { key: 'baseUrl', value: 'http://127.0.0.1:8000' },
      { key: 'apiKey', value: '' },
    ],
    event: [
      {
        listen: 'prerequest',
        script: {
          type: 'text/javascript',
          // biome-ignore-start lint/suspicious/noTemplateCurlyInString: the source of Postman's pre-request script, whose templates Postman evaluates
          exec: [
            '// One user per run: a fresh email and external id, made by POST /users/.',
            "if (!pm.collectionVariables.get('externalUserId')) {",
            '  const run = Date.now();',
            "  pm.collectionVariables.set('email', `postman+${run}@example.com`);",
            "  pm.collectionVariables.set('externalUserId', `auth0|postman-${run}`);",
            "  pm.collectionVariables.set('externalUserIdEncoded', encodeURIComponent(`auth0|postman-${run}`));",
            "  pm.collectionVariables.set('tableName', `postman_${run}`);",
            "  pm.collectionVariables.set('columnName', `phone_${run}`);",
            "  pm.collectionVariables.set('bonusColumn', `bonus_${run}`);",
            "  pm.collectionVariables.set('nicknameColumn', `nickname_${run}`);",
            '}',
          ],
          // biome-ignore-end lint/suspicious/noTemplateCurlyInString: end of the script's source
        },
      },
    ],
    item: items,
  };
}

export const collectionText = () => `${JSON.stringify(postmanCollection(openApiDocument(restRoutes, 'postman')), null, 2)}\n`;

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv[2] === 'run') {
    const { default: newman } = await import('newman');
    const baseUrl = process.env.BASE_URL ?? 'http://127.0.0.1:8000';
    newman.run(
      { collection: COLLECTION_FILE, envVar: [{ key: 'baseUrl', value: baseUrl }, { key: 'apiKey', value: process.env.API_KEY ?? '' }], reporters: 'cli' },
      (error, summary) => process.exit(error || summary.run.failures.length ? 1 : 0),
    );
  } else {
    await fs.mkdir(path.dirname(COLLECTION_FILE), { recursive: true });
    await fs.writeFile(COLLECTION_FILE, collectionText());
    console.log(`wrote ${path.relative(process.cwd(), COLLECTION_FILE)}`);
  }
}
