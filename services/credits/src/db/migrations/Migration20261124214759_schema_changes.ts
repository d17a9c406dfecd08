import { Migration } from '@mikro-orm/migrations';

export class Migration20261124214759_schema_changes extends Migration {

  override name = 'Migration20261124214759_schema_changes';

  override up(): void | Promise<void> {
    this.addSql(`create table "schema_changes" ("id" serial primary key, "principal" varchar(40) not null, "operation" varchar(40) not null, "table_name" varchar(63) not null, "column_name" varchar(63) null, "sql" jsonb not null, "created_at" timestamptz not null default now());`);
  }

}
