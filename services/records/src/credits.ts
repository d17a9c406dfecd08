import { createHash } from 'node:crypto';
import { type CreditsClient, type CreditsError, createCreditsClient, isCreditsError } from '@credits/client';

/**
 * Everything this service knows of credits comes through the SDK: who a key belongs to, sign-ups,
 * top-ups, and the charge that comes with each usage record. It never reads the credits database.
 */
export interface Credits {
  /** The service's own client, on its service key (sign-ups, top-ups). */
  service(): Promise<CreditsClient>;
  /** A client acting as the user whose key this is: its charges can never exceed that user's rights. */
  asUser(key: string): CreditsClient;
  /** The credits user id a user key belongs to (cached a little: keys are checked on every request). */
  userOf(key: string): Promise<number>;
}

const RETRY = { retries: 2, minDelayMs: 50, maxDelayMs: 400 };
const WHOAMI_TTL_MS = 30_000;

export function connectCredits(url: string, serviceKey: string): Credits {
  const service = createCreditsClient({ url, apiKey: serviceKey, retry: RETRY });
  const users = new Map<string, CreditsClient>();
  const owners = new Map<string, { userId: number; until: number }>();
  const hash = (key: string) => createHash('sha256').update(key).digest('hex');

  const asUser = (key: string) => {
    let client = users.get(hash(key));
    if (!client) {
      client = createCreditsClient({ url, apiKey: key, retry: RETRY, batch: false });
      if (users.size > 10_000) users.clear();
      users.set(hash(key), client);
    }
    return client;
  };

  return {
    async service() {
      return service;
    },
    asUser,
    async userOf(key) {
      const cached = owners.get(hash(key));
      if (cached && cached.until > Date.now()) return cached.userId;
      const me = await asUser(key).auth.whoami.query();
      if (me.kind !== 'user' || me.userId === null) throw new NotAUserKey();
      if (owners.size > 10_000) owners.clear();
      owners.set(hash(key), { userId: me.userId, until: Date.now() + WHOAMI_TTL_MS });
      return me.userId;
    },
  };
}

/** A valid credits key, but not a user's (an admin or service key): not for this API. */
export class NotAUserKey extends Error {}

/** The credits service did not answer (down, overloaded): nothing was charged; the caller may retry. */
export function creditsUnavailable(error: unknown): error is CreditsError {
  return isCreditsError(error) && ['NETWORK_ERROR', 'SERVICE_UNAVAILABLE', 'INTERNAL_SERVER_ERROR', 'BAD_GATEWAY', 'GATEWAY_TIMEOUT', 'TIMEOUT'].includes(error.code);
}
