import { Migration } from '@mikro-orm/migrations';

export class Migration20261124211310_usage_and_sessions extends Migration {

  override name = 'Migration20261124211310_usage_and_sessions';

  override up(): void | Promise<void> {
    this.addSql(`create table "sessions" ("id" serial primary key, "session_id" uuid not null default gen_random_uuid(), "user_id" int not null, "title" varchar(200) null, "metadata" jsonb null, "status" text not null default 'active', "message_count" int not null default 0, "total_tokens" bigint not null default '0', "total_cost_usd" numeric(20,8) not null default 0, "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "created_at" timestamptz not null default now(), "updated_at" timestamptz not null default now());`);
    this.addSql(`alter table "sessions" add constraint "sessions_session_id_unique" unique ("session_id");`);
    this.addSql(`create index "sessions_user_id_id_index" on "sessions" ("user_id", "id");`);
    this.addSql(`alter table "sessions" add constraint "sessions_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`);

    this.addSql(`create table "usage_records" ("id" bigserial primary key, "user_id" int not null, "session_id" int null, "endpoint" varchar(500) not null, "event_type" varchar(100) not null, "credits_charged" numeric(20,4) not null default 0, "cost_usd" numeric(20,8) not null default 0, "tokens_used" int null, "prompt_tokens" int null, "completion_tokens" int null, "model_name" varchar(200) null, "provider" varchar(100) null, "tool_name" varchar(200) null, "operation_name" varchar(200) null, "metadata" jsonb null, "transaction_id" bigint null, "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "usage_records_user_id_id_index" on "usage_records" ("user_id", "id");`);
    this.addSql(`create index "usage_records_stats_index" on "usage_records" ("user_id", "created_at") include ("event_type", "model_name", "credits_charged", "cost_usd", "tokens_used");`);
    this.addSql(`alter table "usage_records" add constraint "usage_records_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`);

    this.addSql(`create table "session_messages" ("id" bigserial primary key, "session_id" int not null, "role" text not null, "content" text not null, "message_type" varchar(50) not null default 'chat', "tokens_used" int not null default 0, "cost_usd" numeric(20,8) not null default 0, "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "created_at" timestamptz not null default now());`);
    this.addSql(`create index "session_messages_session_id_id_index" on "session_messages" ("session_id", "id");`);
    this.addSql(`alter table "session_messages" add constraint "session_messages_session_id_idempotency_key_unique" unique ("session_id", "idempotency_key");`);

    this.addSql(`alter table "sessions" add constraint "sessions_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "sessions" add constraint "sessions_status_check" check ("status" in ('active', 'paused', 'completed', 'archived'));`);

    this.addSql(`alter table "usage_records" add constraint "usage_records_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "usage_records" add constraint "usage_records_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on delete set null;`);

    this.addSql(`alter table "session_messages" add constraint "session_messages_session_id_foreign" foreign key ("session_id") references "sessions" ("id") on delete cascade;`);
    this.addSql(`alter table "session_messages" add constraint "session_messages_role_check" check ("role" in ('user', 'assistant', 'system', 'tool'));`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "usage_records" drop constraint "usage_records_session_id_foreign";`);
    this.addSql(`alter table "session_messages" drop constraint "session_messages_session_id_foreign";`);

    this.addSql(`drop table if exists "sessions" cascade;`);
    this.addSql(`drop table if exists "usage_records" cascade;`);
    this.addSql(`drop table if exists "session_messages" cascade;`);
  }

}
