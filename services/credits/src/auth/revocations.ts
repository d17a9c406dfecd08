import type { Logger } from '@credits/runtime';
import { type Listener, startListener } from '../db/listener';
import type { MikroORM } from '../db/orm';
import { query } from '../db/sql';
import type { KeyCache } from './key-cache';

/** A revoked key is refused within about this, even where LISTEN does not reach. */
const POLL_MS = 500;

/**
 * Revoked API keys leave every replica's cache: at once by LISTEN on the notification
 * db/api-keys.sql sends, and within POLL_MS in any case by polling for keys revoked in the last
 * seconds (see db/listener.ts). `url`: where to LISTEN; null: poll only.
 */
export function watchRevocations(url: string | null, orm: MikroORM, keys: KeyCache, log: Logger): Listener {
  return startListener({
    url,
    channel: 'credits_api_key_revoked',
    onNotify: (hash) => keys.forget(hash),
    async poll() {
      const rows = await query<{ key_hash: string }>(orm.em.fork(), `select key_hash from api_keys where revoked_at > now() - interval '10 seconds'`, []);
      for (const row of rows) keys.forget(row.key_hash);
    },
    pollMs: POLL_MS,
    log,
  });
}
