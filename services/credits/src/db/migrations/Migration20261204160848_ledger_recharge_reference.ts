import { Migration } from '@mikro-orm/migrations';
import { Migration20261124202700_ledger_apply } from './Migration20261124202700_ledger_apply';

/**
 * A recharge's reference (a payment provider's id, `stripe_payment_123`) credits a user once: a
 * provider retries its webhooks, and each retry used to pay again. The reference becomes a natural
 * idempotency key per user: sent again with the same amount it replays the first recharge, with
 * another amount it is refused (`reference_reused`, CONFLICT).
 *
 * `recharge_reference` holds the reference of the recharge that claimed it; a partial unique index
 * on (user_id, recharge_reference) backs the check in `credits_apply` (which runs under the
 * balance row's lock, so two recharges racing on two connections see each other: the second
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
    this.addSql(`
create or replace function credits_apply(
  p_user_id integer,
  p_external_id text,
  p_type text,
  p_amount numeric,
  p_description text,
  p_reference_id text,
  p_usage_record_id bigint,
  p_idempotency_key text,
  p_request_hash text,
  out outcome text,
  out current_balance numeric,
  out tx credit_transactions
) language plpgsql as $fn$
declare
  v_user integer;
  v_after numeric;
begin
  -- Lock the balance row before anything else. Every writer of a user's balance takes this lock
  -- first and keeps it until commit, so from here on the key checks and the guard below see
  -- settled values: concurrent calls on one user run one after another, never interleaved.
  select c.user_id, c.balance into v_user, current_balance
    from credits c
   where c.user_id = coalesce(p_user_id, (select u.id from users u where u.external_id = p_external_id))
     for update;
  if not found then
    outcome := 'user_not_found';
    return;
  end if;

  -- Idempotency: a key is used once per user, and the unique index backs this check.
  if p_idempotency_key is not null then
    select t.* into tx
      from credit_transactions t
     where t.user_id = v_user and t.idempotency_key = p_idempotency_key;
    if found then
      outcome := case when tx.request_hash = p_request_hash then 'replayed' else 'key_reused' end;
      return;
    end if;
  end if;

  -- A recharge's reference is a natural idempotency key per user (a payment credits once): the
  -- same amount replays the first recharge, another amount is refused. Its unique index backs it.
  if p_type = 'recharge' and p_reference_id is not null then
    select t.* into tx
      from credit_transactions t
     where t.user_id = v_user and t.recharge_reference = p_reference_id;
    if found then
      outcome := case when tx.amount = p_amount then 'replayed' else 'reference_reused' end;
      return;
    end if;
  end if;

  v_after := case p_type
    when 'recharge' then current_balance + p_amount
    when 'consume' then current_balance - p_amount
    when 'reset' then 0
    when 'adjust' then p_amount
  end;
  if v_after is null then
    raise exception 'credits_apply: unknown operation %', p_type;
  end if;
  -- A balance never goes below zero (also a CHECK on both tables).
  if v_after < 0 then
    outcome := 'insufficient';
    return;
  end if;
  -- The ceiling of MAX_BALANCE in the contract: far below numeric(20,4)'s own limit.
  if v_after > 1000000000000000 then
    outcome := 'balance_limit';
    return;
  end if;

  -- The balance and its ledger row change together, in this one transaction: balance = sum(amount).
  update credits c set balance = v_after, updated_at = now() where c.user_id = v_user;
  insert into credit_transactions
    (user_id, type, amount, balance_before, balance_after, description, reference_id,
     usage_record_id, idempotency_key, request_hash, recharge_reference)
  values
    (v_user, p_type, v_after - current_balance, current_balance, v_after, p_description, p_reference_id,
     p_usage_record_id, p_idempotency_key, p_request_hash, case when p_type = 'recharge' then p_reference_id end)
  returning * into tx;
  outcome := 'applied';
  current_balance := v_after;
end
$fn$;`);
  }

  override down(): void {
    // The function as the ledger_apply migration wrote it, from that migration's own text.
    const previous = new Migration20261124202700_ledger_apply(this.driver, this.config);
    previous.up();
    for (const sql of previous.getQueries()) this.addSql(String(sql).replace('create function', 'create or replace function'));
    this.addSql(`drop index "credit_transactions_user_id_recharge_reference_unique";`);
    this.addSql(`alter table "credit_transactions" drop column "recharge_reference";`);
  }
}
