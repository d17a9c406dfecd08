import { Migration } from '@mikro-orm/migrations';

export class Migration20261124212248_usage_daily extends Migration {

  override name = 'Migration20261124212248_usage_daily';

  override up(): void | Promise<void> {
    this.addSql(`create table "usage_daily" ("user_id" int not null, "day" date not null, "event_type" varchar(100) not null, "model" varchar(200) not null, "records" bigint not null, "credits_charged" numeric(24,4) not null, "cost_usd" numeric(24,8) not null, "tokens_used" bigint not null, primary key ("user_id", "day", "event_type", "model"));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "usage_daily" cascade;`);
  }

}
