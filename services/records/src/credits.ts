import { createHash } from 'node:crypto';
import { type CreditsClient, type CreditsError, createCreditsClient, isCreditsError } from '@credits/client';

/**
 * Everything this service knows of credits comes through the SDK, with its own service key: who a
 * caller's key belongs to, sign-ups, top-ups, and the charge that comes with each usage record.
 * It never reads the credits database.
 */
export interface Credits {
  /** The service's own client, on its service key. */
  service: CreditsClient;
  /**
   * The credits user a caller's key belongs to (cached a little: keys are checked on every
   * request). Verified by `apiKeys.verify` naming the caller's address, so the credits service
   * counts a bad key against that caller, never against this service.
   */
  userOf(key: string, clientAddress: string): Promise<number>;
}

const RETRY = { retries: 2, minDelayMs: 50, maxDelayMs: 400 };
const OWNER_TTL_MS = 30_000;
const MAX_CACHED = 10_000;

export function connectCredits(url: string, serviceKey: string): Credits {
  const service = createCreditsClient({ url, apiKey: serviceKey, retry: RETRY });
  const owners = new Map<string, { userId: number; until: number }>();
  const hash = (key: string) => createHash('sha256').update(key).digest('hex');

  return {
    service,
    async userOf(key, clientAddress) {
      const cached = owners.get(hash(key));
      if (cached && cached.until > Date.now()) return cached.userId;
      const who = await service.apiKeys.verify.mutate({ key, clientAddress });
      if (who.kind !== 'user' || who.userId === null) throw new NotAUserKey();
      if (owners.size > MAX_CACHED) owners.clear();
      owners.set(hash(key), { userId: who.userId, until: Date.now() + OWNER_TTL_MS });
      return who.userId;
    },
  };
}

/** A valid credits key, but not a user's (an admin or service key): not for this API. */
export class NotAUserKey extends Error {}

/** The credits service did not answer (down, overloaded): nothing was charged; the caller may retry. */
export function creditsUnavailable(error: unknown): error is CreditsError {
  return isCreditsError(error) && ['NETWORK_ERROR', 'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'BAD_GATEWAY', 'GATEWAY_TIMEOUT', 'TIMEOUT'].includes(error.code);
}
