import { Migration } from '@mikro-orm/migrations';

/**
 * Credit buckets (see src/db/ledger.sql, rule 7): where a balance's credits live. Every balance
 * there is becomes one bucket (paid, never expiring, source `migration`), and the migration
 * checks it is exact: every user's balance equals the sum of their buckets, or it fails and
 * changes nothing.
 */
export class Migration20261204200000_credit_buckets extends Migration {
  override name = 'Migration20261204200000_credit_buckets';

  override up(): void {
    this.addSql(`create table "credit_buckets" ("id" bigserial primary key, "user_id" int not null, "category" text not null, "priority" smallint not null default 50, "amount" numeric(20,4) not null, "remaining" numeric(20,4) not null, "effective_at" timestamptz not null default now(), "expires_at" timestamptz null, "source" varchar(80) not null, "reference_id" varchar(255) null, "expired_at" timestamptz null, "created_at" timestamptz not null default now());`);

    this.addSql(`alter table "credit_transactions" drop constraint "credit_transactions_type_check";`);
    this.addSql(`alter table "credit_transactions" add "allocations" jsonb null;`);
    this.addSql(`alter table "credit_transactions" add constraint "credit_transactions_type_check" check ("type" in ('recharge', 'consume', 'reset', 'adjust', 'grant', 'expire'));`);

    this.addSql(`alter table "credit_buckets" add constraint "credit_buckets_user_id_foreign" foreign key ("user_id") references "users" ("id");`);
    this.addSql(`alter table "credit_buckets" add constraint "credit_buckets_expiry_check" check (expires_at is null or expires_at > effective_at);`);
    this.addSql(`alter table "credit_buckets" add constraint "credit_buckets_priority_check" check (priority between 0 and 100);`);
    this.addSql(`alter table "credit_buckets" add constraint "credit_buckets_amount_check" check (amount > 0);`);
    this.addSql(`alter table "credit_buckets" add constraint "credit_buckets_remaining_check" check (remaining >= 0 and remaining <= amount);`);
    this.addSql(`alter table "credit_buckets" add constraint "credit_buckets_category_check" check ("category" in ('paid', 'promotional'));`);
    // A user's buckets with credits left, in spending order: what every debit and balance read walks.
    this.addSql(`create index "credit_buckets_spending_index" on "credit_buckets" ("user_id", "priority", "expires_at", "created_at", "id") include ("remaining", "effective_at", "category") where "remaining" > 0;`);
    // What expired and is not written off yet: what the sweeper finds.
    this.addSql(`create index "credit_buckets_expiry_index" on "credit_buckets" ("expires_at") include ("user_id") where "remaining" > 0 and "expired_at" is null and "expires_at" is not null;`);
    // The history of a user's buckets, spent ones included.
    this.addSql(`create index "credit_buckets_user_id_id_index" on "credit_buckets" ("user_id", "id");`);

    this.addSql(`insert into credit_buckets (user_id, category, priority, amount, remaining, effective_at, source)
                 select c.user_id, 'paid', 50, c.balance, c.balance, now(), 'migration' from credits c where c.balance > 0;`);
    this.addSql(`do $check$
      declare v_off integer;
      begin
        select count(*) into v_off from credits c
         where c.balance <> coalesce((select sum(b.remaining) from credit_buckets b where b.user_id = c.user_id), 0);
        if v_off > 0 then
          raise exception 'credit_buckets: % balances differ from the sum of their buckets', v_off;
        end if;
      end
    $check$;`);

    // The ledger's functions take a clock and bucket terms now; ledger.sql makes them anew.
    this.addSql('drop function if exists credits_apply_many(integer[], text[], text[], numeric[], text[], text[], bigint[], text[], text[]);');
    this.addSql('drop function if exists credits_apply(integer, text, text, numeric, text, text, bigint, text, text);');
    this.addSql('drop function if exists credits_apply_each(integer[], text, numeric, text, text);');
    this.addSql(
      'drop function if exists usage_record_many(integer[], text[], uuid[], text[], text[], numeric[], numeric[], integer[], integer[], integer[], text[], text[], text[], text[], jsonb[], boolean[], text[], text[]);',
    );
    this.addSql(
      'drop function if exists usage_record(integer, text, uuid, text, text, numeric, numeric, integer, integer, integer, text, text, text, text, jsonb, boolean, text, text);',
    );
  }
}
