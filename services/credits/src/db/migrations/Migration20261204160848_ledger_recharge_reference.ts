import { Migration } from '@mikro-orm/migrations';

/**
 * A recharge's reference (a payment provider's id, `stripe_payment_123`) credits a user once: a
 * provider retries its webhooks, and each retry used to pay again. The reference becomes a natural
 * idempotency key per user: sent again with the same amount it replays the first recharge, with
 * another amount it is refused (`reference_reused`, CONFLICT).
 *
 * `recharge_reference` holds the reference of the recharge that claimed it; a partial unique index
 * on (user_id, recharge_reference) backs the check in `credits_apply` (src/db/ledger.sql: it runs
 * under the balance row's lock, so two recharges racing on two connections see each other: the second
 * waits for the first to commit, then finds its row).
 *
 * Existing rows: the first recharge (lowest id) of each (user, reference) claims it. Later
 * duplicates already stored (users paid twice before this migration) are left as they are, with
 * their amounts and reference_id untouched (the ledger is append-only and balance = sum(amount)
 * must keep holding) and recharge_reference null, so they cannot break the index. They can be
 * found with: `select * from credit_transactions where type = 'recharge' and reference_id is not
 * null and recharge_reference is null`.
 */
export class Migration20261204160848_ledger_recharge_reference extends Migration {
  override name = 'Migration20261204160848_ledger_recharge_reference';

  override up(): void {
    this.addSql(`alter table "credit_transactions" add "recharge_reference" varchar(255) null;`);
    this.addSql(`
update credit_transactions t
   set recharge_reference = t.reference_id
  from (select min(id) as id
          from credit_transactions
         where type = 'recharge' and reference_id is not null
         group by user_id, reference_id) first
 where t.id = first.id;`);
    this.addSql(
      `create unique index "credit_transactions_user_id_recharge_reference_unique" on "credit_transactions" ("user_id", "recharge_reference") where recharge_reference is not null;`,
    );
  }

  override down(): void {
    this.addSql(`drop index "credit_transactions_user_id_recharge_reference_unique";`);
    this.addSql(`alter table "credit_transactions" drop column "recharge_reference";`);
  }
}
