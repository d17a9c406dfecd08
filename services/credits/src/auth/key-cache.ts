import type { ActiveApiKey } from '../domain/api-keys';

/**
 * API keys verified a moment ago, by their SHA-256, so a request need not look its key up in the
 * database. A revocation reaches every replica at once (db/api-keys.sql notifies, app.ts listens, or
 * polls when it cannot) and `forget` drops the key here; `ttlMs` bounds what a missed one could
 * cost. A lookup that was under way while any key was forgotten is not cached: it may have read
 * the key just before its revocation committed.
 */
export interface KeyCache {
  get(hash: string): ActiveApiKey | undefined;
  /** Looks `hash` up with `lookup` and keeps what it found, unless a key was forgotten meanwhile. */
  load(hash: string, lookup: () => Promise<ActiveApiKey | null>): Promise<ActiveApiKey | null>;
  forget(hash: string): void;
}

const MAX_KEYS = 10_000;

export function createKeyCache(ttlMs: number, now: () => number = Date.now): KeyCache {
  const entries = new Map<string, { key: ActiveApiKey; until: number }>();
  let forgotten = 0;
  return {
    get(hash) {
      const entry = entries.get(hash);
      if (!entry) return undefined;
      if (entry.until > now()) return entry.key;
      entries.delete(hash);
      return undefined;
    },
    async load(hash, lookup) {
      const generation = forgotten;
      const key = await lookup();
      if (key && generation === forgotten) {
        if (entries.size >= MAX_KEYS) entries.delete(entries.keys().next().value!);
        entries.set(hash, { key, until: now() + ttlMs });
      }
      return key;
    },
    forget(hash) {
      forgotten++;
      entries.delete(hash);
    },
  };
}
