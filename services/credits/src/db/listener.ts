import type { Logger } from '@credits/runtime';
import pg from 'pg';

/**
 * Changes made by other replicas, learnt two ways at once. LISTEN on a connection of its own tells
 * at once where it works; `poll` runs every `pollMs` all the same, because LISTEN can fail
 * silently: PgBouncer's transaction pooling hands the listening session to other clients between
 * statements, and the notifications go with it. So a change is seen within `pollMs` whatever the
 * path to the database, and at once where LISTEN reaches it (DATABASE_LISTEN_URL may name a direct
 * route; `off` leaves only the poll).
 */
export interface ListenOptions {
  /** Where to LISTEN, or null to poll only. */
  url: string | null;
  channel: string;
  onNotify: (payload: string) => void;
  /** Finds what changed lately, whatever LISTEN missed. */
  poll: () => Promise<void>;
  pollMs: number;
  log: Logger;
}

export interface Listener {
  close(): Promise<void>;
}

const RECONNECT_MS = 5_000;

export function startListener(options: ListenOptions): Listener {
  const { url, channel, onNotify, poll, pollMs, log } = options;
  let client: pg.Client | undefined;
  let closed = false;
  let pollTimer: NodeJS.Timeout | undefined;
  let reconnectTimer: NodeJS.Timeout | undefined;

  const tick = () => {
    poll()
      .catch((error: unknown) => log.warn({ err: error, channel }, 'polling for changes failed; trying again'))
      .finally(() => {
        if (!closed) pollTimer = setTimeout(tick, pollMs).unref();
      });
  };

  const listen = async () => {
    if (!url || closed) return;
    const next = new pg.Client({ connectionString: url, application_name: 'credits-listen' });
    next.on('notification', (message) => {
      if (message.channel === channel) onNotify(message.payload ?? '');
    });
    next.on('error', () => undefined); // 'end' follows, and reconnects
    try {
      await next.connect();
      await next.query(`listen "${channel}"`);
    } catch (error) {
      await next.end().catch(() => undefined);
      log.warn({ err: error, channel }, `cannot LISTEN on ${channel}; polling every ${pollMs} ms meanwhile`);
      reconnectTimer = setTimeout(() => void listen(), RECONNECT_MS).unref();
      return;
    }
    client = next;
    next.once('end', () => {
      client = undefined;
      if (!closed) reconnectTimer = setTimeout(() => void listen(), RECONNECT_MS).unref();
    });
  };

  tick();
  void listen();
  return {
    async close() {
      closed = true;
      clearTimeout(pollTimer);
      clearTimeout(reconnectTimer);
      await client?.end().catch(() => undefined);
    },
  };
}
