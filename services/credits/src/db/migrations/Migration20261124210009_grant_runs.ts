import { Migration } from '@mikro-orm/migrations';

export class Migration20261124210009_grant_runs extends Migration {

  override name = 'Migration20261124210009_grant_runs';

  override up(): void | Promise<void> {
    this.addSql(`create table "grant_runs" ("id" serial primary key, "date" date not null, "status" text not null, "amount" numeric(20,4) not null, "trigger" varchar(40) not null, "users_granted" int not null default 0, "last_user_id" int not null default 0, "started_at" timestamptz not null default now(), "heartbeat_at" timestamptz not null default now(), "finished_at" timestamptz null, "error" varchar(500) null);`);
    this.addSql(`create index "grant_runs_date_index" on "grant_runs" ("date");`);
    this.addSql(`create unique index "grant_runs_one_running_per_date" on "grant_runs" ("date") where "status" = 'running';`);

    this.addSql(`alter table "grant_runs" add constraint "grant_runs_status_check" check ("status" in ('running', 'completed', 'failed', 'interrupted', 'abandoned'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "grant_runs" cascade;`);
  }

}
