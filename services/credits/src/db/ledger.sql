-- The ledger: every change to a balance, whoever makes it (the API's recharge, consume, reset and
-- set; a usage record's charge; the daily grant), goes through the functions in this file, and
-- nothing else writes `credits.balance` or `credit_transactions`. Applied by the migrator as a
-- repeatable migration (src/db/repeatable.ts): re-applied whenever this file changes.
--
-- Its rules, each kept in one place:
--   1. One change, one row: a balance and the ledger row that explains it change together, in the
--      same transaction, so a user's balance always equals the sum of their rows' amounts, and
--      each row starts where the previous one ended (CHECK balance_after = balance_before + amount).
--   2. The balance row is locked before anything is decided, so changes to one user run one after
--      another, never interleaved; batches lock their users in id order, so they cannot deadlock.
--   3. Never below zero (`credits_refusal`; also a CHECK on both tables).
--   4. Never above MAX_BALANCE (`credits_refusal`; credits_max_balance() is written by the
--      migrator from the contract's constant, so the ceiling is defined once).
--   5. An idempotency key is used once per user: the same request again replays the first result,
--      another request with it is refused (the unique index backs it, checked under the lock).
--   6. A recharge's reference (a payment's id) credits a user once: the same reference and amount
--      replay the first recharge, another amount is refused (a partial unique index on
--      recharge_reference backs it, checked under the lock).
--
-- No `*` and no whole-row values of tables: operators may add columns to any of them (schema
-- management), and a column of theirs must never shadow one of ours. For the same reason every
-- column is qualified by its table's alias, and each function says `#variable_conflict
-- use_variable`: a custom column named like one of our variables cannot capture it.

-- The balance a change leads to: the only place the arithmetic of each kind of change is written.
create or replace function credits_next_balance(p_type text, p_balance numeric, p_amount numeric)
returns numeric language sql immutable as $$
  select case p_type
    when 'recharge' then p_balance + p_amount
    when 'grant' then p_balance + p_amount
    when 'consume' then p_balance - p_amount
    when 'reset' then 0
    when 'adjust' then p_amount
  end
$$;

-- Why a balance may not become `p_after` (rules 3 and 4), or null when it may.
create or replace function credits_refusal(p_after numeric)
returns text language sql immutable as $$
  select case
    when p_after is null then 'unknown_change'
    when p_after < 0 then 'insufficient'
    when p_after > credits_max_balance() then 'balance_limit'
  end
$$;

-- One change to one user's balance. Outcomes: applied, replayed (same key, same request hash, or
-- a recharge's reference with the same amount: the original row, nothing written), key_reused
-- (same key, another request), reference_reused (a recharge's reference, another amount),
-- insufficient, balance_limit, user_not_found. The tx_ columns are the ledger row written (or
-- replayed).
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
  out tx_id bigint,
  out tx_user_id integer,
  out tx_type text,
  out tx_amount numeric,
  out tx_balance_before numeric,
  out tx_balance_after numeric,
  out tx_description text,
  out tx_reference_id text,
  out tx_usage_record_id bigint,
  out tx_idempotency_key text,
  out tx_created_at timestamptz
) language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_user integer;
  v_hash text;
  v_after numeric;
begin
  -- Rule 2: the lock first; from here on the checks below see settled values.
  select c.user_id, c.balance into v_user, current_balance
    from credits c
   where c.user_id = coalesce(p_user_id, (select u.id from users u where u.external_id = p_external_id))
     for update of c;
  if not found then
    outcome := 'user_not_found';
    return;
  end if;

  -- Rule 5.
  if p_idempotency_key is not null then
    select t.id, t.user_id, t.type, t.amount, t.balance_before, t.balance_after, t.description, t.reference_id,
           t.usage_record_id, t.idempotency_key, t.created_at, t.request_hash
      into tx_id, tx_user_id, tx_type, tx_amount, tx_balance_before, tx_balance_after, tx_description, tx_reference_id,
           tx_usage_record_id, tx_idempotency_key, tx_created_at, v_hash
      from credit_transactions t
     where t.user_id = v_user and t.idempotency_key = p_idempotency_key;
    if found then
      outcome := case when v_hash = p_request_hash then 'replayed' else 'key_reused' end;
      return;
    end if;
  end if;

  -- Rule 6.
  if p_type = 'recharge' and p_reference_id is not null then
    select t.id, t.user_id, t.type, t.amount, t.balance_before, t.balance_after, t.description, t.reference_id,
           t.usage_record_id, t.idempotency_key, t.created_at
      into tx_id, tx_user_id, tx_type, tx_amount, tx_balance_before, tx_balance_after, tx_description, tx_reference_id,
           tx_usage_record_id, tx_idempotency_key, tx_created_at
      from credit_transactions t
     where t.user_id = v_user and t.recharge_reference = p_reference_id;
    if found then
      outcome := case when tx_amount = p_amount then 'replayed' else 'reference_reused' end;
      return;
    end if;
  end if;

  -- Rules 3 and 4.
  v_after := credits_next_balance(p_type, current_balance, p_amount);
  outcome := credits_refusal(v_after);
  if outcome = 'unknown_change' then
    raise exception 'credits_apply: unknown change %', p_type;
  elsif outcome is not null then
    return;
  end if;

  -- Rule 1.
  update credits c set balance = v_after, updated_at = now() where c.user_id = v_user;
  insert into credit_transactions as t
    (user_id, type, amount, balance_before, balance_after, description, reference_id, usage_record_id, idempotency_key, request_hash,
     recharge_reference)
  values
    (v_user, p_type, v_after - current_balance, current_balance, v_after, p_description, p_reference_id, p_usage_record_id,
     p_idempotency_key, p_request_hash, case when p_type = 'recharge' then p_reference_id end)
  returning t.id, t.user_id, t.type, t.amount, t.balance_before, t.balance_after, t.description, t.reference_id,
            t.usage_record_id, t.idempotency_key, t.created_at
       into tx_id, tx_user_id, tx_type, tx_amount, tx_balance_before, tx_balance_after, tx_description, tx_reference_id,
            tx_usage_record_id, tx_idempotency_key, tx_created_at;
  outcome := 'applied';
  current_balance := v_after;
end
$fn$;

-- Several changes in one call and one transaction, in the order given, each through
-- credits_apply and so under all of its rules; a refused change refuses only itself. The
-- service combines the calls that queue up while others are at the database into one of these
-- (src/db/combiner.ts): one round trip and one commit for many, and for a busy user one lock
-- acquisition for many debits.
create or replace function credits_apply_many(
  p_user_ids integer[],
  p_external_ids text[],
  p_types text[],
  p_amounts numeric[],
  p_descriptions text[],
  p_reference_ids text[],
  p_usage_record_ids bigint[],
  p_idempotency_keys text[],
  p_request_hashes text[]
) returns table (
  ord integer,
  outcome text,
  current_balance numeric,
  tx_id bigint,
  tx_user_id integer,
  tx_type text,
  tx_amount numeric,
  tx_balance_before numeric,
  tx_balance_after numeric,
  tx_description text,
  tx_reference_id text,
  tx_usage_record_id bigint,
  tx_idempotency_key text,
  tx_created_at timestamptz
) language plpgsql as $fn$
#variable_conflict use_variable
begin
  for i in 1 .. coalesce(cardinality(p_types), 0) loop
    return query
      select i, a.outcome, a.current_balance, a.tx_id, a.tx_user_id, a.tx_type, a.tx_amount, a.tx_balance_before,
             a.tx_balance_after, a.tx_description, a.tx_reference_id, a.tx_usage_record_id, a.tx_idempotency_key, a.tx_created_at
        from credits_apply(p_user_ids[i], p_external_ids[i], p_types[i], p_amounts[i], p_descriptions[i], p_reference_ids[i],
                           p_usage_record_ids[i], p_idempotency_keys[i], p_request_hashes[i]) a;
  end loop;
end
$fn$;

-- One change, the same for each of many users (each listed once), set-based: the daily grant's
-- chunks. Rule 2: the rows are locked first, in id order; the statement after reads them settled.
-- Users who already hold `p_idempotency_key` are left out (their change was made before); the
-- others are `applied` or refused by rules 3 and 4 (a grant to a user at the ceiling).
create or replace function credits_apply_each(
  p_user_ids integer[],
  p_type text,
  p_amount numeric,
  p_description text,
  p_idempotency_key text
) returns table (user_id integer, outcome text)
language plpgsql as $fn$
#variable_conflict use_variable
begin
  if credits_next_balance(p_type, 0, p_amount) is null then
    raise exception 'credits_apply_each: unknown change %', p_type;
  end if;
  perform 1 from credits c where c.user_id = any(p_user_ids) order by c.user_id for update of c;
  return query
    with due as (
      select c.user_id, c.balance as before, credits_next_balance(p_type, c.balance, p_amount) as after
        from credits c
       where c.user_id = any(p_user_ids)
         and (p_idempotency_key is null
              or (select t.id from credit_transactions t where t.user_id = c.user_id and t.idempotency_key = p_idempotency_key) is null)
    ), applied as (
      select d.user_id, d.before, d.after from due d where credits_refusal(d.after) is null
    ), moved as (
      update credits c set balance = a.after, updated_at = now() from applied a where c.user_id = a.user_id returning c.user_id
    ), written as (
      insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, idempotency_key)
      select a.user_id, p_type, a.after - a.before, a.before, a.after, p_description, p_idempotency_key from applied a
    )
    -- `moved` and `written` run to completion though nothing reads them (as every data-modifying CTE does).
    select d.user_id, coalesce(credits_refusal(d.after), 'applied') from due d;
end
$fn$;
