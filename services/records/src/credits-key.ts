import { readFile } from 'node:fs/promises';
import { createCreditsClient, isCreditsError } from '@credits/client';
import { readOrCreateSecret, StartupError } from '@credits/runtime';
import type { Config } from './config';
import { creditsUnavailable } from './credits';

/**
 * The records service's own key for the credits service, of scope `service`: it signs users up
 * and charges them, but a leak of it cannot make admin keys or change schemas. The service never
 * runs on the admin key: that is used once at most, on the first start, to make this key.
 */

export interface ServiceKey {
  key: string;
  /** For the start-up banner. */
  describe: string;
}

/** CREDITS_API_KEY; else the key kept in the data directory; else, on the first start, one made now and kept there. */
export async function resolveServiceKey(config: Config): Promise<ServiceKey> {
  const { key, file } = config.creditsKey;
  if (key) return { key, describe: 'the key in CREDITS_API_KEY' };
  const { secret, created } = await readOrCreateSecret(file, () => makeServiceKey(config));
  return { key: secret, describe: created ? `a service key made now, kept in ${file}` : `the service key in ${file}` };
}

async function makeServiceKey(config: Config): Promise<string> {
  const { adminKey, adminKeyFile } = config.creditsKey;
  const admin = adminKey ?? (await readFile(adminKeyFile, 'utf8').then((text) => text.trim(), () => undefined));
  if (!admin) {
    throw new StartupError(`no key for the credits service: set CREDITS_API_KEY to a service key, or ADMIN_API_KEY so that one is made (there is no ${adminKeyFile})`);
  }
  const client = createCreditsClient({ url: config.creditsUrl, apiKey: admin, retry: { retries: 2, minDelayMs: 200, maxDelayMs: 1_000 }, fetch: fetchWithin(5_000) });
  try {
    return (await client.apiKeys.create.mutate({ name: 'records service', scope: 'service' })).key;
  } catch (error) {
    if (creditsUnavailable(error)) {
      throw new StartupError(`CREDITS_URL ${config.creditsUrl}: the credits service does not answer, and is needed on this first start to make the records service's key`);
    }
    if (isCreditsError(error) && (error.code === 'UNAUTHORIZED' || error.code === 'FORBIDDEN')) {
      const from = adminKey ? 'ADMIN_API_KEY' : adminKeyFile;
      throw new StartupError(`the credits service at ${config.creditsUrl} refused the admin key in ${from}: set ADMIN_API_KEY to its admin key, or CREDITS_API_KEY to a service key`);
    }
    throw error;
  }
}

/** What is wrong with the link to the credits service, if anything: what /health and /ready report. */
export type CreditsProblem = 'unreachable' | 'key refused' | 'not a service key';

/** Asks the credits service who this key is (within 2 s). */
export async function checkCredits(url: string, key: string): Promise<CreditsProblem | undefined> {
  try {
    const me = await createCreditsClient({ url, apiKey: key, retry: false, batch: false, fetch: fetchWithin(2_000) }).auth.whoami.query();
    return me.kind === 'service' ? undefined : 'not a service key';
  } catch (error) {
    // Anything but a refusal of the key (no answer, a timeout, a 5xx, a 429) is a service not there for us.
    return isCreditsError(error) && error.code === 'UNAUTHORIZED' ? 'key refused' : 'unreachable';
  }
}

/**
 * At start-up: a key that is not a service key (an admin key, a user's), or one the credits
 * service refuses (revoked, or made by another credits database), stops the service with what to
 * do; a credits service that does not answer yet only makes it start degraded.
 */
export async function ensureServiceKey(config: Config, key: ServiceKey): Promise<CreditsProblem | undefined> {
  const problem = await checkCredits(config.creditsUrl, key.key);
  const where = config.creditsKey.key ? 'CREDITS_API_KEY' : config.creditsKey.file;
  if (problem === 'not a service key') {
    throw new StartupError(`the key in ${where} is not a service key of the credits service: the records service never runs on an admin key; give it a key of scope service (apiKeys.create)`);
  }
  if (problem === 'key refused') {
    throw new StartupError(
      `the credits service at ${config.creditsUrl} refused the key in ${where} (revoked, or made by another credits database): ${config.creditsKey.key ? 'set CREDITS_API_KEY to a valid service key' : `delete ${where} to have a new one made`}`,
    );
  }
  return problem;
}

/** fetch, given up after `ms` (the SDK reports it as a network error). */
function fetchWithin(ms: number): typeof fetch {
  return (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms) });
}
