import { Migration } from '@mikro-orm/migrations';

export class Migration20261124202608_initial extends Migration {

  override name = 'Migration20261124202608_initial';

  override up(): void | Promise<void> {
    this.addSql(`create table "users" ("id" serial primary key, "email" varchar(254) not null, "name" varchar(200) not null, "external_id" varchar(255) null, "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "users" add constraint "users_email_unique" unique ("email");`);
    this.addSql(`alter table "users" add constraint "users_external_id_unique" unique ("external_id");`);
    this.addSql(`alter table "users" add constraint "users_idempotency_key_unique" unique ("idempotency_key");`);

    this.addSql(`create table "credit_transactions" ("id" bigserial primary key, "user_id" int not null, "type" text not null, "amount" numeric(20,4) not null, "balance_before" numeric(20,4) not null, "balance_after" numeric(20,4) not null, "description" varchar(500) null, "reference_id" varchar(255) null, "usage_record_id" bigint null, "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "credit_transactions_user_id_id_index" on "credit_transactions" ("user_id", "id");`);
    this.addSql(`alter table "credit_transactions" add constraint "credit_transactions_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`);

    this.addSql(`create table "credits" ("user_id" int not null, "balance" numeric(20,4) not null default 0, "updated_at" timestamptz not null default now(), primary key ("user_id"));`);

    this.addSql(`alter table "credit_transactions" add constraint "credit_transactions_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "credit_transactions" add constraint "credit_transactions_chain_check" check (balance_after = balance_before + amount);`);
    this.addSql(`alter table "credit_transactions" add constraint "credit_transactions_balance_after_check" check (balance_after >= 0);`);
    this.addSql(`alter table "credit_transactions" add constraint "credit_transactions_type_check" check ("type" in ('recharge', 'consume', 'reset', 'adjust', 'grant'));`);

    this.addSql(`alter table "credits" add constraint "credits_user_id_foreign" foreign key ("user_id") references "users" ("id") on update cascade on delete cascade;`);
    this.addSql(`alter table "credits" add constraint "credits_balance_check" check (balance >= 0);`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "credit_transactions" drop constraint "credit_transactions_user_id_foreign";`);
    this.addSql(`alter table "credits" drop constraint "credits_user_id_foreign";`);

    this.addSql(`drop table if exists "users" cascade;`);
    this.addSql(`drop table if exists "credit_transactions" cascade;`);
    this.addSql(`drop table if exists "credits" cascade;`);
  }

}
