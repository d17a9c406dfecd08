import type { ErrorCode } from './service-types';
import { TRPC_ERROR_CODES_BY_KEY } from '@trpc/server/rpc';

const CODE_OF_STATUS: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHORIZED',
  402: 'PAYMENT_REQUIRED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_SUPPORTED',
  408: 'TIMEOUT',
  409: 'CONFLICT',
  412: 'PRECONDITION_FAILED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  422: 'UNPROCESSABLE_CONTENT',
  428: 'PRECONDITION_REQUIRED',
  429: 'TOO_MANY_REQUESTS',
  499: 'CLIENT_CLOSED_REQUEST',
  500: 'INTERNAL_SERVER_ERROR',
  501: 'NOT_IMPLEMENTED',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

/**
 * The fetch under the transport. A failed answer that is not the service's JSON (a proxy's 502
 * page, a load balancer's 503 with `Retry-After`) becomes a tRPC error of its status: the caller
 * gets a CreditsError with that code and `data.httpStatus`, and the retries see the status and the
 * headers, where tRPC alone would fail to parse the body and report no answer at all.
 */
export function readingForeignAnswers(fetchFn: typeof globalThis.fetch): typeof globalThis.fetch {
  return async (input, init) => {
    const response = await fetchFn(input, init);
    if (response.ok || response.headers.get('content-type')?.includes('json')) return response;
    const code = CODE_OF_STATUS[response.status] ?? (response.status >= 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
    const text = (await response.text().catch(() => '')).trim().slice(0, 200);
    const message = `HTTP ${response.status}${text ? `: ${text}` : ''}`;
    const headers = new Headers(response.headers);
    headers.set('content-type', 'application/json');
    headers.delete('content-length');
    headers.delete('content-encoding');
    // tRPC's error envelope, as superjson writes it; a batch gives this one answer to each of its calls.
    const body = { error: { json: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data: { code, httpStatus: response.status } } } };
    return new Response(JSON.stringify(body), { status: response.status, statusText: response.statusText, headers });
  };
}
