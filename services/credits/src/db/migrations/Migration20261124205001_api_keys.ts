import { Migration } from '@mikro-orm/migrations';

export class Migration20261124205001_api_keys extends Migration {

  override name = 'Migration20261124205001_api_keys';

  override up(): void | Promise<void> {
    this.addSql(`create table "api_keys" ("id" serial primary key, "name" varchar(100) not null, "scope" text not null, "user_id" int null, "prefix" varchar(16) not null, "key_hash" varchar(64) not null, "created_at" timestamptz not null default now(), "last_used_at" timestamptz null, "revoked_at" timestamptz null);`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_key_hash_unique" unique ("key_hash");`);

    this.addSql(`alter table "api_keys" add constraint "api_keys_user_id_foreign" foreign key ("user_id") references "users" ("id") on delete cascade;`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_user_scope_check" check ((scope = 'user') = (user_id is not null));`);
    this.addSql(`alter table "api_keys" add constraint "api_keys_scope_check" check ("scope" in ('admin', 'service', 'user'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`drop table if exists "api_keys" cascade;`);
  }

}
