import type { IncomingHttpHeaders } from 'node:http';

/**
 * What a request presents: `Authorization: Bearer <API key or JWT>`, or the seed-003 headers
 * `x-api-key` and `x-admin-key` (the latter must carry an admin key). In that order of precedence.
 */
export type Credential = { header: 'authorization' | 'x-api-key' | 'x-admin-key'; value: string };

export function credentialFrom(headers: IncomingHttpHeaders): Credential | null {
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    // A malformed Authorization header is a failed attempt (empty value), not an absent one.
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    return { header: 'authorization', value: bearer?.[1] ?? '' };
  }
  for (const header of ['x-api-key', 'x-admin-key'] as const) {
    const value = headers[header];
    if (typeof value === 'string') return { header, value: value.trim() };
  }
  return null;
}
