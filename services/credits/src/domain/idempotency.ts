import { createHash } from 'node:crypto';

/**
 * The fingerprint stored beside an idempotency key. A later call with the same key is a replay
 * when its fingerprint matches, and a conflict (a different request reusing the key) when not.
 */
export function requestHash(operation: string, ...parameters: (string | number | null | undefined)[]): string {
  return createHash('sha256')
    .update(JSON.stringify([operation, ...parameters.map((p) => p ?? null)]))
    .digest('hex');
}
