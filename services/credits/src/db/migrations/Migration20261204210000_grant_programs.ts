import { Migration } from '@mikro-orm/migrations';

/**
 * Grant programs (the daily grant becomes one case of them): their definitions, and runs by
 * program and period (a firing of the schedule; the daily grant's periods are days at 00:00 UTC,
 * its runs so far keep their days).
 */
export class Migration20261204210000_grant_programs extends Migration {
  override name = 'Migration20261204210000_grant_programs';

  override up(): void {
    this.addSql(`create table "grant_programs" ("name" varchar(63) not null, "amount" numeric(20,4) not null, "schedule" varchar(100) not null, "mode" text not null, "expires_after" varchar(40) null, "priority" smallint not null default 50, "category" text not null default 'promotional', "enabled" boolean not null default true, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now(), primary key ("name"));`);
    this.addSql(`alter table "grant_programs" add constraint "grant_programs_amount_check" check (amount > 0);`);
    this.addSql(`alter table "grant_programs" add constraint "grant_programs_mode_check" check ("mode" in ('add', 'top_up_to'));`);
    this.addSql(`alter table "grant_programs" add constraint "grant_programs_category_check" check ("category" in ('paid', 'promotional'));`);

    this.addSql(`drop index "grant_runs_date_index";`);
    this.addSql(`drop index "grant_runs_one_running_per_date";`);
    this.addSql(`alter table "grant_runs" add "program" varchar(63) not null default 'daily', add "period" timestamptz null;`);
    this.addSql(`update "grant_runs" set "period" = "date"::timestamp at time zone 'UTC';`);
    this.addSql(`alter table "grant_runs" alter column "period" set not null, drop column "date";`);
    this.addSql(`create index "grant_runs_program_period_index" on "grant_runs" ("program", "period");`);
    this.addSql(`create unique index "grant_runs_one_running_per_period" on "grant_runs" ("program", "period") where "status" = 'running';`);
    // The ledger's writer for many users learnt top-ups (ledger.sql makes it anew).
    this.addSql('drop function if exists credits_apply_each(integer[], numeric[], text, text, text, timestamptz, jsonb);');
  }
}
