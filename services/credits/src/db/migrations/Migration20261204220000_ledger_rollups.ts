import { Migration } from '@mikro-orm/migrations';

/**
 * Daily rollups of the ledger for the console's overview (`stats.overview`), folded off the hot
 * path by a job (jobs/ledger-rollup.ts, domain/ledger-rollup.ts): no trigger on
 * `credit_transactions`, so a consume never waits on a shared per-day row.
 * - `ledger_daily`: per UTC day and ledger type, the signed sum and the number of rows.
 * - `ledger_user_daily`: per day and user, the credits consumed (top consumers).
 * - `ledger_daily_active`: per day, the users with at least one consume.
 * - `ledger_rollup_state`: the one row the fold locks (its lease) and the cursor it moves in the
 *   same transaction as the rollups: every ledger row up to `folded_through` is in them, none
 *   after. `pending_through`/`pending_xmax`: the next cursor, safe once every transaction that
 *   was running when it was read has ended (see the fold).
 */
export class Migration20261204220000_ledger_rollups extends Migration {
  override up(): void {
    this.addSql(`create table "ledger_daily" ("day" date not null, "type" text not null, "amount" numeric(24,4) not null, "entries" bigint not null, primary key ("day", "type"));`);
    this.addSql(`create table "ledger_user_daily" ("day" date not null, "user_id" int not null, "consumed" numeric(24,4) not null, primary key ("day", "user_id"));`);
    this.addSql(`create index "ledger_user_daily_day_consumed_index" on "ledger_user_daily" ("day", "consumed" desc);`);
    this.addSql(`create index "ledger_user_daily_user_id_day_index" on "ledger_user_daily" ("user_id", "day");`);
    this.addSql(`create table "ledger_daily_active" ("day" date primary key, "users" int not null);`);
    this.addSql(
      `create table "ledger_rollup_state" ("id" smallint primary key check ("id" = 1), "folded_through" bigint not null default 0, "pending_through" bigint not null default 0, "pending_xmax" xid8 not null default '0', "folded_at" timestamptz null);`,
    );
    this.addSql(`insert into "ledger_rollup_state" ("id") values (1);`);
  }

  override down(): void {
    this.addSql(`drop table "ledger_rollup_state", "ledger_daily_active", "ledger_user_daily", "ledger_daily";`);
  }
}
