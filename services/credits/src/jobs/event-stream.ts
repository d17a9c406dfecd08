import type { CreditEvent } from '@credits/contract';
import type { Logger } from '@credits/runtime';
import type { MikroORM } from '../db/orm';
import { isSettled, type Mark, readMark } from '../db/settled-mark';
import { type Query, query } from '../db/sql';
import { readEvents } from '../domain/events';

/** Events read per statement, live or from the log. */
const CHUNK = 1_000;
/** Events a subscriber may have waiting; past that it reads from the log instead (it loses nothing). */
const MAX_QUEUED = 5_000;

export interface EventStream {
  /**
   * A user's events after `after` (null: from now on), in id order, each once, until `signal`
   * aborts or the stream stops. What came before this replica saw it is read from the log.
   */
  subscribe(userId: number, after: bigint | null, signal: AbortSignal): AsyncGenerator<CreditEvent>;
  /** Ends every subscription; no more polling. */
  stop(): Promise<void>;
}

interface Subscriber {
  userId: number;
  queue: CreditEvent[];
  /** Too much waited: the subscriber catches up from the log. */
  overflowed: boolean;
  wake: () => void;
}

/**
 * The live stream, per replica: one poller reads the log (every writer's changes, whichever
 * replica made them) up to each settled mark (db/settled-mark.ts) and hands each event to the
 * subscribers of its user. Polling, not LISTEN/NOTIFY: a NOTIFY on every ledger commit would
 * serialize commits on PostgreSQL's notification queue lock, and LISTEN does not survive
 * PgBouncer's transaction pooling; one poll per interval per replica costs two small statements.
 */
export function startEventStream(orm: MikroORM, log: Logger, pollMs: number): EventStream {
  const sql: Query = (text, values) => query(orm.em.fork(), text, values);
  const subscribers = new Map<number, Set<Subscriber>>();
  const stopping = new AbortController();
  /** Every event up to here has been handed to the subscribers that were there. */
  let delivered: bigint | null = null;
  let pending: Mark | null = null;
  let firstSettled: () => void;
  const ready = new Promise<void>((resolve) => (firstSettled = resolve));

  async function poll(): Promise<void> {
    pending ??= await readMark(orm.em.fork());
    if (!(await isSettled(sql, pending.xmax))) return;
    const through = BigInt(pending.through);
    if (delivered === null) {
      delivered = through;
      firstSettled();
    }
    while (delivered < through && subscribers.size > 0) {
      const events = await readEvents(sql, delivered, through, CHUNK);
      for (const event of events) for (const s of subscribers.get(event.userId) ?? []) hand(s, event);
      delivered = events.length < CHUNK ? through : BigInt(events.at(-1)!.id);
    }
    delivered = through;
    pending = await readMark(orm.em.fork());
  }

  const loop = (async () => {
    while (!stopping.signal.aborted) {
      try {
        await poll();
      } catch (error) {
        pending = null;
        log.warn({ err: error }, 'event stream: reading the log failed; trying again');
      }
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  })();

  function hand(s: Subscriber, event: CreditEvent) {
    if (s.queue.length >= MAX_QUEUED) s.overflowed = true;
    else s.queue.push(event);
    s.wake();
  }

  async function* subscribe(userId: number, after: bigint | null, signal: AbortSignal): AsyncGenerator<CreditEvent> {
    await Promise.race([ready, aborted(signal), aborted(stopping.signal)]);
    if (signal.aborted || stopping.signal.aborted) return;
    let wakeUp: (() => void) | undefined;
    const s: Subscriber = { userId, queue: [], overflowed: false, wake: () => wakeUp?.() };
    const end = () => s.wake();
    signal.addEventListener('abort', end);
    stopping.signal.addEventListener('abort', end);
    const set = subscribers.get(userId) ?? new Set();
    subscribers.set(userId, set.add(s));
    try {
      // Registered and `delivered` read in one turn: what comes after it arrives in the queue.
      let cursor = after ?? delivered!;
      let caughtUpTo = delivered!;
      for (;;) {
        // From the log: what this replica handed out before (or while the queue overflowed).
        while (cursor < caughtUpTo) {
          const events = await readEvents(sql, cursor, caughtUpTo, CHUNK, userId);
          for (const event of events) yield event;
          cursor = events.length < CHUNK ? caughtUpTo : BigInt(events.at(-1)!.id);
        }
        while (s.queue.length > 0) {
          const event = s.queue.shift()!;
          if (BigInt(event.id) <= cursor) continue;
          cursor = BigInt(event.id);
          yield event;
        }
        if (signal.aborted || stopping.signal.aborted) return;
        if (s.overflowed) {
          s.overflowed = false;
          s.queue = [];
          caughtUpTo = delivered!;
          continue;
        }
        await new Promise<void>((resolve) => (wakeUp = resolve));
        wakeUp = undefined;
      }
    } finally {
      signal.removeEventListener('abort', end);
      stopping.signal.removeEventListener('abort', end);
      set.delete(s);
      if (set.size === 0) subscribers.delete(userId);
    }
  }

  return {
    subscribe,
    async stop() {
      stopping.abort();
      for (const set of subscribers.values()) for (const s of set) s.wake();
      await loop;
    },
  };
}

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
