import { Migration } from '@mikro-orm/migrations';

/** Holds (src/db/ledger.sql, rule 9), and the capture each consume may name. */
export class Migration20261204230000_holds extends Migration {

  override name = 'Migration20261204230000_holds';

  override up(): void {
    this.addSql(`create table "credit_holds" ("id" bigserial primary key, "user_id" int not null, "amount" numeric(20,4) not null, "status" text not null, "expires_at" timestamptz not null, "description" varchar(500) null, "allocations" jsonb not null, "idempotency_key" varchar(255) null, "request_hash" varchar(64) null, "captured" numeric(20,4) null, "capture_transaction_id" bigint null, "created_at" timestamptz not null default now(), "finished_at" timestamptz null);`);
    this.addSql(`create index "credit_holds_user_id_id_index" on "credit_holds" ("user_id", "id");`);
    this.addSql(`create index "credit_holds_expires_at_index" on "credit_holds" ("expires_at") include ("user_id") where "status" = 'active';`);
    this.addSql(`alter table "credit_holds" add constraint "credit_holds_user_id_idempotency_key_unique" unique ("user_id", "idempotency_key");`);

    this.addSql(`alter table "credit_transactions" add "hold_id" bigint null;`);

    this.addSql(`alter table "credit_holds" add constraint "credit_holds_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "credit_holds" add constraint "credit_holds_amount_check" check (amount > 0);`);
    this.addSql(`alter table "credit_holds" add constraint "credit_holds_status_check" check ("status" in ('active', 'captured', 'released', 'expired'));`);
  }

}
