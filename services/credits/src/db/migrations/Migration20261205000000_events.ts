import { Migration } from '@mikro-orm/migrations';

/**
 * Balance events (src/db/events.sql) and webhooks.
 * - `credit_events`: the events derived from a change (balance crossings, expiries), written by
 *   triggers in the change's own transaction; their ids come from the ledger's sequence, so the
 *   ledger's rows and these are one ordered log.
 * - `balance_alerts`: a user's own low-balance threshold and where the balance stands against it;
 *   `alert_settings`: the service's default threshold (LOW_BALANCE_THRESHOLD, written at start-up).
 * - `event_cursors`: how far a consumer of the log (the webhook fan-out) has read, moved the way
 *   ledger_rollup_state is (a mark that settles once every writer that could precede it ended).
 * - `webhook_endpoints` and `webhook_deliveries`: one delivery per event and endpoint (unique), so
 *   a fan-out repeated after a crash adds nothing.
 */
export class Migration20261205000000_events extends Migration {

  override name = 'Migration20261205000000_events';

  override up(): void {
    this.addSql(`create table "credit_events" ("id" bigint primary key default nextval('credit_transactions_id_seq'), "user_id" int not null references "users" ("id"), "type" text not null, "transaction_id" bigint null, "data" jsonb not null, "created_at" timestamptz not null);`);
    this.addSql(`create index "credit_events_user_id_id_index" on "credit_events" ("user_id", "id");`);

    this.addSql(`create table "balance_alerts" ("user_id" int primary key references "users" ("id"), "custom" boolean not null default false, "low_balance" numeric(20,4) null check ("low_balance" >= 0), "state" text not null default 'ok' check ("state" in ('ok', 'low', 'depleted')), "updated_at" timestamptz not null default now());`);
    this.addSql(`create table "alert_settings" ("id" smallint primary key check ("id" = 1), "default_low_balance" numeric(20,4) null check ("default_low_balance" >= 0));`);
    this.addSql(`insert into "alert_settings" ("id") values (1);`);

    this.addSql(`create table "event_cursors" ("name" text primary key, "delivered_through" bigint not null default 0, "pending_through" bigint not null default 0, "pending_xmax" xid8 not null default '0', "moved_at" timestamptz null);`);
    // The fan-out starts at the ledger as it is now: events before webhooks existed are nobody's.
    this.addSql(`insert into "event_cursors" ("name", "delivered_through", "pending_through") select 'webhooks', last, last from (select case when is_called then last_value else last_value - 1 end as last from credit_transactions_id_seq) s;`);

    this.addSql(`create table "webhook_endpoints" ("id" bigserial primary key, "url" text not null, "events" text[] not null, "description" varchar(500) null, "secret" text not null, "enabled" boolean not null default true, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`create table "webhook_deliveries" ("id" bigserial primary key, "endpoint_id" bigint not null references "webhook_endpoints" ("id") on delete cascade, "event_id" bigint not null, "event_type" text not null, "user_id" int not null, "payload" jsonb not null, "status" text not null default 'pending' check ("status" in ('pending', 'succeeded', 'failed')), "attempts" int not null default 0, "next_attempt_at" timestamptz null default now(), "lease_until" timestamptz null, "last_status" int null, "last_error" text null, "created_at" timestamptz not null default now(), "finished_at" timestamptz null);`);
    this.addSql(`create unique index "webhook_deliveries_endpoint_id_event_id_unique" on "webhook_deliveries" ("endpoint_id", "event_id");`);
    this.addSql(`create index "webhook_deliveries_pending_index" on "webhook_deliveries" ("endpoint_id", "user_id", "id") where "status" = 'pending';`);
    this.addSql(`create index "webhook_deliveries_due_index" on "webhook_deliveries" ("next_attempt_at") where "status" = 'pending';`);
  }

  override down(): void {
    this.addSql(`drop table "webhook_deliveries", "webhook_endpoints", "event_cursors", "alert_settings", "balance_alerts", "credit_events";`);
  }

}
