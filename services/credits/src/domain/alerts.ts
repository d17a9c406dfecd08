import type { Alerts, AlertsSetInput, UserRef } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';
import { resolveUserId } from './users';

/**
 * Low-balance thresholds. The state machine that fires balance.low, balance.depleted and
 * balance.recovered runs in the database, on every ledger row (src/db/events.sql); this file only
 * sets what it reads.
 */

interface AlertRow {
  custom: boolean | null;
  low_balance: string | null;
  default_low_balance: string | null;
  state: Alerts['state'] | null;
}

const READ = `select a.custom, a.low_balance, s.default_low_balance, a.state
                from alert_settings s left join balance_alerts a on a.user_id = $1 where s.id = 1`;

export async function getAlerts(em: EntityManager, userId: UserRef): Promise<Alerts> {
  const id = await resolveUserId(em, userId);
  const [row] = await query<AlertRow>(em, READ, [id]);
  return toAlerts(id, row!);
}

/** The user's own threshold (null: no low alert), from its next change on. */
export async function setAlerts(em: EntityManager, input: AlertsSetInput): Promise<Alerts> {
  const id = await resolveUserId(em, input.userId);
  await query(
    em,
    `insert into balance_alerts (user_id, custom, low_balance) values ($1, true, $2)
     on conflict (user_id) do update set custom = true, low_balance = excluded.low_balance, updated_at = now()`,
    [id, input.lowBalance],
  );
  return getAlerts(em, id);
}

/** The service's default threshold (LOW_BALANCE_THRESHOLD), written at start-up; null: none. */
export async function setDefaultThreshold(em: EntityManager, lowBalance: number | undefined): Promise<void> {
  await query(em, `update alert_settings set default_low_balance = $1 where id = 1`, [lowBalance ?? null]);
}

function toAlerts(userId: number, row: AlertRow): Alerts {
  const custom = row.custom === true;
  const low = custom ? row.low_balance : row.default_low_balance;
  return { userId, lowBalance: low === null ? null : Number(low), source: custom ? 'user' : 'default', state: row.state ?? 'ok' };
}
