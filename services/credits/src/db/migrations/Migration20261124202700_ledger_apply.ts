import { Migration } from '@mikro-orm/migrations';

/**
 * `credits_apply`: every balance change the API makes (recharge, consume, reset, adjust) in one
 * call, so the service reaches the database once per operation and a user's row lock is held for
 * that one call only.
 *
 * Outcomes: applied, replayed (same key, same request hash: the original row, nothing written),
 * key_reused (same key, other request), insufficient, balance_limit, user_not_found.
 */
export class Migration20261124202700_ledger_apply extends Migration {
  override up(): void {
    this.addSql(`
create function credits_apply(
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
  -- first and keeps it until commit, so from here on the key check and the guard below see
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
     usage_record_id, idempotency_key, request_hash)
  values
    (v_user, p_type, v_after - current_balance, current_balance, v_after, p_description, p_reference_id,
     p_usage_record_id, p_idempotency_key, p_request_hash)
  returning * into tx;
  outcome := 'applied';
  current_balance := v_after;
end
$fn$;`);
  }

  override down(): void {
    this.addSql('drop function credits_apply(integer, text, text, numeric, text, text, bigint, text, text);');
  }
}
