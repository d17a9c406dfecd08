-- The ledger: every change to a balance, whoever makes it (the API's recharge, consume, reset and
-- set; a usage record's charge; grant programs; expiry), goes through the functions in this file,
-- and nothing else writes `credits.balance`, `credit_buckets` or `credit_transactions`. Applied by
-- the migrator as a repeatable migration (src/db/repeatable.ts): re-applied whenever it changes.
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
--   7. Buckets: every credit lands in a bucket and every debit draws from buckets, so a balance is
--      the sum of its buckets' remaining credits, and a row's allocations say which buckets it
--      moved (they sum to its amount). A debit draws from the live buckets (effective, not
--      expired) in spending order (`credits_spending_order`).
--   8. Expiry to the instant: a bucket is not spendable from its `expires_at` on, and before any
--      change to a user is applied, the user's buckets that expired are written off, one `expire`
--      row each (`credits_expire_due`); the sweeper does the same for users nobody changes.
--   9. Holds keep their promise: a hold draws its amount from the buckets (so no debit can spend
--      it and no expiry can take it) and stays part of the balance; capturing up to that amount
--      therefore never fails for lack of credit. A hold ends once (captured, released or
--      expired): from its `expires_at` it reserves nothing, and before any change to its user the
--      lapsed holds give their credits back to their buckets (`credits_end_lapsed_holds`), before
--      rule 8 runs, so credits of a bucket that expired meanwhile are written off. The stored
--      balance is the sum of the buckets plus what active holds drew.
--
-- Time is the caller's `p_now` (the service's clock), not the database's: one clock decides what is
-- live, for every statement of a call, and tests can move it.
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

-- Rule 7: a user's live buckets, in the order debits draw from them.
create or replace function credits_spending_order(p_user integer, p_now timestamptz)
returns table (bucket_id bigint, remaining numeric, n bigint) language sql stable as $$
  select b.id, b.remaining, row_number() over (order by b.priority, b.expires_at nulls last, b.category = 'paid', b.created_at, b.id)
    from credit_buckets b
   where b.user_id = p_user and b.remaining > 0 and b.effective_at <= p_now and (b.expires_at is null or b.expires_at > p_now)
$$;

-- What a user can spend at `p_now`: the sum of their live buckets.
create or replace function credits_live_balance(p_user integer, p_now timestamptz)
returns numeric language sql stable as $$
  select coalesce(sum(b.remaining), 0)
    from credit_buckets b
   where b.user_id = p_user and b.remaining > 0 and b.effective_at <= p_now and (b.expires_at is null or b.expires_at > p_now)
$$;

-- Draws `p_amount` from a user's live buckets in spending order (the caller holds the user's lock
-- and knows the live balance covers it). Returns the allocations: each bucket and what it gave, in
-- the order they were drawn.
create or replace function credits_draw(p_user integer, p_amount numeric, p_now timestamptz)
returns jsonb language sql as $$
  with ordered as (
    select o.bucket_id, o.remaining, o.n,
           coalesce(sum(o.remaining) over (order by o.n rows between unbounded preceding and 1 preceding), 0) as taken_before
      from credits_spending_order(p_user, p_now) o
  ), draws as (
    select d.bucket_id, d.n, least(d.remaining, p_amount - d.taken_before) as take from ordered d where d.taken_before < p_amount
  ), drawn as (
    update credit_buckets b set remaining = b.remaining - d.take from draws d where b.id = d.bucket_id returning b.id, d.n, d.take
  )
  select coalesce(jsonb_agg(jsonb_build_object('bucketId', w.id, 'amount', -w.take) order by w.n), '[]'::jsonb) from drawn w
$$;

-- A new bucket holding `p_amount`, and its allocation.
create or replace function credits_fill(
  p_user integer, p_amount numeric, p_category text, p_priority smallint, p_effective_at timestamptz, p_expires_at timestamptz,
  p_source text, p_reference_id text, p_now timestamptz
) returns jsonb language sql as $$
  insert into credit_buckets as b (user_id, category, priority, amount, remaining, effective_at, expires_at, source, reference_id, created_at)
  values (p_user, coalesce(p_category, 'paid'), coalesce(p_priority, 50), p_amount, p_amount, coalesce(p_effective_at, p_now), p_expires_at,
          p_source, p_reference_id, p_now)
  returning jsonb_build_array(jsonb_build_object('bucketId', b.id, 'amount', b.amount))
$$;

-- Rule 8: writes off the user's buckets that expired by `p_now`, one `expire` row each, oldest
-- expiry first. The caller holds the user's lock. Returns the balance after them.
create or replace function credits_expire_due(p_user integer, p_balance numeric, p_now timestamptz)
returns numeric language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_balance numeric := p_balance;
  v_bucket record;
begin
  for v_bucket in
    select b.id, b.remaining, b.source
      from credit_buckets b
     where b.user_id = p_user and b.remaining > 0 and b.expired_at is null and b.expires_at <= p_now
     order by b.expires_at, b.id
  loop
    update credit_buckets b set remaining = 0, expired_at = p_now where b.id = v_bucket.id;
    insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, allocations, created_at)
    values (p_user, 'expire', -v_bucket.remaining, v_balance, v_balance - v_bucket.remaining, left('Expired: ' || v_bucket.source, 500),
            jsonb_build_array(jsonb_build_object('bucketId', v_bucket.id, 'amount', -v_bucket.remaining)), p_now);
    v_balance := v_balance - v_bucket.remaining;
  end loop;
  if v_balance <> p_balance then
    update credits c set balance = v_balance, updated_at = p_now where c.user_id = p_user;
  end if;
  return v_balance;
end
$fn$;

-- Rule 2: locks a user's balance row, the user named by id or by external id; nulls when there is no such user.
create or replace function credits_lock(p_user_id integer, p_external_id text, out user_id integer, out balance numeric)
language sql as $$
  select c.user_id, c.balance
    from credits c
   where c.user_id = coalesce(p_user_id, (select u.id from users u where u.external_id = p_external_id))
     for update of c
$$;

-- Rule 9: gives drawn credits back to their buckets. A bucket that expired meanwhile takes them
-- back unmarked, so rule 8 writes them off at the next change or sweep.
create or replace function credits_return(p_allocations jsonb)
returns void language sql as $$
  update credit_buckets b set remaining = b.remaining - (a->>'amount')::numeric, expired_at = null
    from jsonb_array_elements(p_allocations) a
   where b.id = (a->>'bucketId')::bigint
$$;

-- Rule 9: what the user's holds reserve at `p_now` (active, not lapsed).
create or replace function credits_held(p_user integer, p_now timestamptz)
returns numeric language sql stable as $$
  select coalesce(sum(h.amount), 0) from credit_holds h where h.user_id = p_user and h.status = 'active' and h.expires_at > p_now
$$;

-- What the user can spend at `p_now`, as a read sees it before any change: the live buckets, and
-- what lapsed holds not yet ended will give back to buckets that are still live.
create or replace function credits_available(p_user integer, p_now timestamptz)
returns numeric language sql stable as $$
  select credits_live_balance(p_user, p_now) + coalesce((
    select -sum((a->>'amount')::numeric)
      from credit_holds h cross join lateral jsonb_array_elements(h.allocations) a
      join credit_buckets b on b.id = (a->>'bucketId')::bigint
     where h.user_id = p_user and h.status = 'active' and h.expires_at <= p_now
       and b.effective_at <= p_now and (b.expires_at is null or b.expires_at > p_now)), 0)
$$;

-- Rule 9: ends the user's holds that lapsed by `p_now`, giving their credits back. The caller
-- holds the user's lock.
create or replace function credits_end_lapsed_holds(p_user integer, p_now timestamptz)
returns void language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_hold record;
begin
  for v_hold in
    select h.id, h.allocations from credit_holds h
     where h.user_id = p_user and h.status = 'active' and h.expires_at <= p_now order by h.id
  loop
    perform credits_return(v_hold.allocations);
    update credit_holds h set status = 'expired', finished_at = p_now where h.id = v_hold.id;
  end loop;
end
$fn$;

-- One change to one user's balance. Outcomes: applied, replayed (same key, same request hash, or
-- a recharge's reference with the same amount: the original row, nothing written), key_reused
-- (same key, another request), reference_reused (a recharge's reference, another amount),
-- insufficient, balance_limit, user_not_found. The tx_ columns are the ledger row written (or
-- replayed). A recharge's credits land in a bucket on `p_bucket`'s terms (category, priority,
-- effective_at, expires_at as a JSON object; the defaults otherwise).
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
  p_now timestamptz,
  p_bucket jsonb,
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
  out tx_allocations jsonb,
  out tx_created_at timestamptz
) language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_user integer;
  v_hash text;
  v_live numeric;
  v_held numeric;
  v_after numeric;
  v_allocations jsonb;
begin
  -- Rule 2: the lock first; from here on the checks below see settled values.
  select l.user_id, l.balance into v_user, current_balance from credits_lock(p_user_id, p_external_id) l;
  if v_user is null then
    outcome := 'user_not_found';
    return;
  end if;

  -- Rule 5.
  if p_idempotency_key is not null then
    select t.id, t.user_id, t.type, t.amount, t.balance_before, t.balance_after, t.description, t.reference_id,
           t.usage_record_id, t.idempotency_key, coalesce(t.allocations, '[]'::jsonb), t.created_at, t.request_hash
      into tx_id, tx_user_id, tx_type, tx_amount, tx_balance_before, tx_balance_after, tx_description, tx_reference_id,
           tx_usage_record_id, tx_idempotency_key, tx_allocations, tx_created_at, v_hash
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
           t.usage_record_id, t.idempotency_key, coalesce(t.allocations, '[]'::jsonb), t.created_at
      into tx_id, tx_user_id, tx_type, tx_amount, tx_balance_before, tx_balance_after, tx_description, tx_reference_id,
           tx_usage_record_id, tx_idempotency_key, tx_allocations, tx_created_at
      from credit_transactions t
     where t.user_id = v_user and t.recharge_reference = p_reference_id;
    if found then
      outcome := case when tx_amount = p_amount then 'replayed' else 'reference_reused' end;
      return;
    end if;
  end if;

  -- Rules 9 and 8: lapsed holds and what expired go first, so the change below starts from what is really there.
  perform credits_end_lapsed_holds(v_user, p_now);
  current_balance := credits_expire_due(v_user, current_balance, p_now);

  -- Rules 3 and 4, on what the user can spend: debits draw only from live buckets (rule 7), and a
  -- set cannot take what holds reserve (rule 9): it moves the buckets by the difference from
  -- what is live plus what is held.
  v_live := case when p_type in ('consume', 'adjust') then credits_live_balance(v_user, p_now) end;
  v_held := case when p_type = 'adjust' then credits_held(v_user, p_now) end;
  v_after := credits_next_balance(p_type, coalesce(v_live + coalesce(v_held, 0), current_balance), p_amount);
  outcome := case when p_type = 'adjust' and p_amount < v_held then 'insufficient' else credits_refusal(v_after) end;
  if outcome = 'unknown_change' then
    raise exception 'credits_apply: unknown change %', p_type;
  elsif outcome is not null then
    if v_live is not null then current_balance := v_live; end if;
    return;
  end if;

  -- Rule 7: the buckets this change moves. A set draws down, or fills a new bucket, by the
  -- difference from what is live; a reset empties every bucket.
  if p_type in ('recharge', 'grant') then
    v_allocations := credits_fill(v_user, p_amount, p_bucket->>'category', (p_bucket->>'priority')::smallint,
                                  (p_bucket->>'effective_at')::timestamptz, (p_bucket->>'expires_at')::timestamptz,
                                  coalesce(p_bucket->>'source', p_type), p_reference_id, p_now);
  elsif p_type = 'consume' then
    v_allocations := credits_draw(v_user, p_amount, p_now);
  elsif p_type = 'adjust' and p_amount > v_live + v_held then
    v_allocations := credits_fill(v_user, p_amount - v_live - v_held, 'paid', null, null, null, 'set', null, p_now);
  elsif p_type = 'adjust' then
    v_allocations := credits_draw(v_user, v_live + v_held - p_amount, p_now);
  else -- reset
    with emptied as (
      update credit_buckets b set remaining = 0
        from (select o.id, o.remaining from credit_buckets o where o.user_id = v_user and o.remaining > 0) old
       where b.id = old.id
      returning b.id, old.remaining
    )
    select coalesce(jsonb_agg(jsonb_build_object('bucketId', e.id, 'amount', -e.remaining) order by e.id), '[]'::jsonb)
      into v_allocations from emptied e;
  end if;
  -- The row's amount is what its allocations moved; the stored balance follows it.
  v_after := current_balance + coalesce((select sum((a->>'amount')::numeric) from jsonb_array_elements(v_allocations) a), 0);

  -- Rule 1.
  update credits c set balance = v_after, updated_at = p_now where c.user_id = v_user;
  insert into credit_transactions as t
    (user_id, type, amount, balance_before, balance_after, description, reference_id, usage_record_id, idempotency_key, request_hash,
     recharge_reference, allocations, created_at)
  values
    (v_user, p_type, v_after - current_balance, current_balance, v_after, p_description, p_reference_id, p_usage_record_id,
     p_idempotency_key, p_request_hash, case when p_type = 'recharge' then p_reference_id end, v_allocations, p_now)
  returning t.id, t.user_id, t.type, t.amount, t.balance_before, t.balance_after, t.description, t.reference_id,
            t.usage_record_id, t.idempotency_key, t.allocations, t.created_at
       into tx_id, tx_user_id, tx_type, tx_amount, tx_balance_before, tx_balance_after, tx_description, tx_reference_id,
            tx_usage_record_id, tx_idempotency_key, tx_allocations, tx_created_at;
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
  p_request_hashes text[],
  p_nows timestamptz[],
  p_buckets jsonb[]
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
  tx_allocations jsonb,
  tx_created_at timestamptz
) language plpgsql as $fn$
#variable_conflict use_variable
begin
  for i in 1 .. coalesce(cardinality(p_types), 0) loop
    return query
      select i, a.outcome, a.current_balance, a.tx_id, a.tx_user_id, a.tx_type, a.tx_amount, a.tx_balance_before,
             a.tx_balance_after, a.tx_description, a.tx_reference_id, a.tx_usage_record_id, a.tx_idempotency_key,
             a.tx_allocations, a.tx_created_at
        from credits_apply(p_user_ids[i], p_external_ids[i], p_types[i], p_amounts[i], p_descriptions[i], p_reference_ids[i],
                           p_usage_record_ids[i], p_idempotency_keys[i], p_request_hashes[i], p_nows[i], p_buckets[i]) a;
  end loop;
end
$fn$;

-- An addition to each of many users (each listed once, with its own amount), set-based: grant
-- programs' chunks. Rule 2: the rows are locked first, in id order; rule 8: what expired is
-- written off first (per user, for the few who have any); then one statement reads them settled.
-- With `p_top_up`, a user's amount is what brings their live credits from buckets of this
-- source (`p_bucket`'s) up to it, read under the lock; a user already there gets nothing.
-- Users who already hold `p_idempotency_key` are left out (their change was made before), as are
-- those whose amount comes to nothing; the others are `applied`, each into a new bucket on
-- `p_bucket`'s terms, or refused by rule 4.
create or replace function credits_apply_each(
  p_user_ids integer[],
  p_amounts numeric[],
  p_type text,
  p_description text,
  p_idempotency_key text,
  p_now timestamptz,
  p_bucket jsonb,
  p_top_up boolean
) returns table (user_id integer, outcome text, amount numeric)
language plpgsql as $fn$
#variable_conflict use_variable
begin
  if p_type not in ('recharge', 'grant') then
    raise exception 'credits_apply_each: % is not an addition', p_type;
  end if;
  perform 1 from credits c where c.user_id = any(p_user_ids) order by c.user_id for update of c;
  perform credits_expire_due(c.user_id, c.balance, p_now)
     from credits c
    where c.user_id = any(p_user_ids)
      and exists (select 1 from credit_buckets b where b.user_id = c.user_id and b.remaining > 0 and b.expired_at is null and b.expires_at <= p_now);
  return query
    with asked as (
      select a.user_id,
             case when p_top_up
                  then a.amount - coalesce((select sum(b.remaining) from credit_buckets b
                                             where b.user_id = a.user_id and b.source = p_bucket->>'source' and b.remaining > 0
                                               and b.effective_at <= p_now and (b.expires_at is null or b.expires_at > p_now)), 0)
                  else a.amount end as amount
        from unnest(p_user_ids, p_amounts) as a(user_id, amount)
    ), due as (
      select c.user_id, c.balance as before, credits_next_balance(p_type, c.balance, a.amount) as after, a.amount
        from asked a join credits c on c.user_id = a.user_id
       where a.amount > 0
         and (p_idempotency_key is null
              or (select t.id from credit_transactions t where t.user_id = c.user_id and t.idempotency_key = p_idempotency_key) is null)
    ), applied as (
      select d.user_id, d.before, d.after, d.amount from due d where credits_refusal(d.after) is null
    ), filled as (
      insert into credit_buckets as b (user_id, category, priority, amount, remaining, effective_at, expires_at, source, created_at)
      select a.user_id, coalesce(p_bucket->>'category', 'paid'), coalesce((p_bucket->>'priority')::smallint, 50), a.amount, a.amount,
             coalesce((p_bucket->>'effective_at')::timestamptz, p_now), (p_bucket->>'expires_at')::timestamptz,
             coalesce(p_bucket->>'source', p_type), p_now
        from applied a
      returning b.id, b.user_id
    ), moved as (
      update credits c set balance = a.after, updated_at = p_now from applied a where c.user_id = a.user_id
    ), written as (
      insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, idempotency_key, allocations, created_at)
      select a.user_id, p_type, a.after - a.before, a.before, a.after, p_description, p_idempotency_key,
             jsonb_build_array(jsonb_build_object('bucketId', f.id, 'amount', a.amount)), p_now
        from applied a join filled f on f.user_id = a.user_id
    )
    -- `moved` and `written` run to completion though nothing reads them (as every data-modifying CTE does).
    select d.user_id, coalesce(credits_refusal(d.after), 'applied'), d.amount from due d;
end
$fn$;

-- The sweeper's step (rules 9 and 8): for each of these users, the holds that lapsed end and the
-- buckets that expired by `p_now` are written off, as credits_apply would before a change. Rows locked in id order first (rule 2).
-- Returns how many buckets expired.
create or replace function credits_expire_users(p_user_ids integer[], p_now timestamptz)
returns integer language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_due integer;
begin
  perform 1 from credits c where c.user_id = any(p_user_ids) order by c.user_id for update of c;
  perform credits_end_lapsed_holds(u.id, p_now) from unnest(p_user_ids) u(id);
  select count(*) into v_due from credit_buckets b
   where b.user_id = any(p_user_ids) and b.remaining > 0 and b.expired_at is null and b.expires_at <= p_now;
  perform credits_expire_due(c.user_id, c.balance, p_now) from credits c where c.user_id = any(p_user_ids);
  return v_due;
end
$fn$;

-- Rule 9: reserves `p_amount` of a user's live credits until `p_expires_at`. Outcomes: applied,
-- replayed (the same key and request: the first hold), key_reused, insufficient (`available` is
-- what the user could have held), user_not_found.
create or replace function credits_hold(
  p_user_id integer,
  p_external_id text,
  p_amount numeric,
  p_expires_at timestamptz,
  p_description text,
  p_idempotency_key text,
  p_request_hash text,
  p_now timestamptz,
  out outcome text,
  out available numeric,
  out hold_id bigint,
  out hold_amount numeric,
  out hold_expires_at timestamptz,
  out hold_status text
) language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_user integer;
  v_balance numeric;
  v_hash text;
  v_allocations jsonb;
begin
  select l.user_id, l.balance into v_user, v_balance from credits_lock(p_user_id, p_external_id) l;
  if v_user is null then
    outcome := 'user_not_found';
    return;
  end if;
  if p_idempotency_key is not null then
    select h.id, h.request_hash, h.amount, h.expires_at,
           case when h.status = 'active' and h.expires_at <= p_now then 'expired' else h.status end
      into hold_id, v_hash, hold_amount, hold_expires_at, hold_status
      from credit_holds h where h.user_id = v_user and h.idempotency_key = p_idempotency_key;
    if found then
      outcome := case when v_hash = p_request_hash then 'replayed' else 'key_reused' end;
      available := credits_available(v_user, p_now);
      return;
    end if;
  end if;
  perform credits_end_lapsed_holds(v_user, p_now);
  perform credits_expire_due(v_user, v_balance, p_now);
  available := credits_live_balance(v_user, p_now);
  if p_amount > available then
    outcome := 'insufficient';
    return;
  end if;
  v_allocations := credits_draw(v_user, p_amount, p_now);
  insert into credit_holds as h (user_id, amount, status, expires_at, description, allocations, idempotency_key, request_hash, created_at)
  values (v_user, p_amount, 'active', p_expires_at, p_description, v_allocations, p_idempotency_key, p_request_hash, p_now)
  returning h.id, h.amount, h.expires_at, h.status into hold_id, hold_amount, hold_expires_at, hold_status;
  available := available - p_amount;
  outcome := 'applied';
end
$fn$;

-- Rule 9: ends a hold with one `consume` of `p_amount` that names it. Up to the held amount it
-- spends what the hold drew (first drawn, first spent) and gives the rest back; beyond it, the
-- excess is drawn from what is live, or the capture is refused and the hold stays as it was.
-- Outcomes: applied, replayed (the same key and request: the first capture), key_reused,
-- insufficient (`current_balance` is what is live for the excess), hold_not_found,
-- hold_expired, hold_finished (`hold_status` says how it ended).
create or replace function credits_capture(
  p_hold_id bigint,
  p_amount numeric,
  p_description text,
  p_usage_record_id bigint,
  p_idempotency_key text,
  p_request_hash text,
  p_now timestamptz,
  out outcome text,
  out current_balance numeric,
  out hold_status text,
  out tx_id bigint
) language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_user integer;
  v_hash text;
  v_hold record;
  v_spent jsonb;
  v_after numeric;
begin
  select h.user_id into v_user from credit_holds h where h.id = p_hold_id;
  if not found then
    outcome := 'hold_not_found';
    return;
  end if;
  select c.balance into current_balance from credits c where c.user_id = v_user for update of c;
  if p_idempotency_key is not null then
    select t.id, t.request_hash into tx_id, v_hash from credit_transactions t where t.user_id = v_user and t.idempotency_key = p_idempotency_key;
    if found then
      outcome := case when v_hash = p_request_hash then 'replayed' else 'key_reused' end;
      return;
    end if;
  end if;
  perform credits_end_lapsed_holds(v_user, p_now);
  current_balance := credits_expire_due(v_user, current_balance, p_now);
  select h.amount, h.status, h.allocations into v_hold from credit_holds h where h.id = p_hold_id;
  hold_status := v_hold.status;
  if v_hold.status = 'expired' then
    outcome := 'hold_expired';
    return;
  elsif v_hold.status <> 'active' then
    outcome := 'hold_finished';
    return;
  end if;

  if p_amount <= v_hold.amount then
    -- The first `p_amount` of what the hold drew is spent; the rest goes back.
    with drawn as (
      select (a->>'bucketId')::bigint as bucket_id, -(a->>'amount')::numeric as amount, n,
             coalesce(sum(-(a->>'amount')::numeric) over (order by n rows between unbounded preceding and 1 preceding), 0) as before
        from jsonb_array_elements(v_hold.allocations) with ordinality as d(a, n)
    )
    select coalesce(jsonb_agg(jsonb_build_object('bucketId', d.bucket_id, 'amount', -least(d.amount, p_amount - d.before)) order by d.n)
                      filter (where d.before < p_amount), '[]'::jsonb),
           coalesce(jsonb_agg(jsonb_build_object('bucketId', d.bucket_id, 'amount', -(d.amount - greatest(p_amount - d.before, 0))) order by d.n)
                      filter (where d.before + d.amount > p_amount), '[]'::jsonb)
      into v_spent, v_hold.allocations
      from drawn d;
    perform credits_return(v_hold.allocations);
  else
    if p_amount - v_hold.amount > credits_live_balance(v_user, p_now) then
      outcome := 'insufficient';
      current_balance := credits_live_balance(v_user, p_now);
      return;
    end if;
    v_spent := v_hold.allocations || credits_draw(v_user, p_amount - v_hold.amount, p_now);
  end if;

  -- Rule 1: what the hold drew was in the stored balance all along; the capture takes `p_amount` from it.
  v_after := current_balance - p_amount;
  update credits c set balance = v_after, updated_at = p_now where c.user_id = v_user;
  insert into credit_transactions as t
    (user_id, type, amount, balance_before, balance_after, description, usage_record_id, idempotency_key, request_hash, hold_id, allocations, created_at)
  values (v_user, 'consume', -p_amount, current_balance, v_after, p_description, p_usage_record_id, p_idempotency_key, p_request_hash, p_hold_id, v_spent, p_now)
  returning t.id into tx_id;
  update credit_holds h set status = 'captured', captured = p_amount, capture_transaction_id = tx_id, finished_at = p_now where h.id = p_hold_id;
  hold_status := 'captured';
  current_balance := v_after;
  outcome := 'applied';
end
$fn$;

-- Rule 9: ends a hold, giving back all it drew. Outcomes: applied, or the hold as it already
-- ended: released (again: nothing to do), expired, captured (hold_finished); hold_not_found.
create or replace function credits_release(p_hold_id bigint, p_now timestamptz, out outcome text, out hold_status text)
language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_user integer;
  v_balance numeric;
  v_hold record;
begin
  select h.user_id into v_user from credit_holds h where h.id = p_hold_id;
  if not found then
    outcome := 'hold_not_found';
    return;
  end if;
  select c.balance into v_balance from credits c where c.user_id = v_user for update of c;
  perform credits_end_lapsed_holds(v_user, p_now);
  select h.status, h.allocations into v_hold from credit_holds h where h.id = p_hold_id;
  hold_status := v_hold.status;
  if v_hold.status = 'active' then
    perform credits_return(v_hold.allocations);
    update credit_holds h set status = 'released', finished_at = p_now where h.id = p_hold_id;
    hold_status := 'released';
    outcome := 'applied';
  else
    outcome := case when v_hold.status = 'captured' then 'hold_finished' else 'ended' end;
  end if;
  perform credits_expire_due(v_user, v_balance, p_now);
end
$fn$;

-- Holds and captures that queue up while others are at the database go in one call, as changes
-- do through credits_apply_many (src/db/combiner.ts): one round trip and one commit for many,
-- each item with its own outcome, every rule kept by credits_hold and credits_capture themselves.
create or replace function credits_hold_many(
  p_user_ids integer[],
  p_external_ids text[],
  p_amounts numeric[],
  p_expires_ats timestamptz[],
  p_descriptions text[],
  p_idempotency_keys text[],
  p_request_hashes text[],
  p_nows timestamptz[]
) returns table (ord integer, outcome text, available numeric, hold_id bigint, hold_amount numeric, hold_expires_at timestamptz, hold_status text)
language plpgsql as $fn$
#variable_conflict use_variable
begin
  -- Rule 2: the batch comes sorted by user, so each lock is taken in id order.
  for i in 1 .. coalesce(cardinality(p_amounts), 0) loop
    return query
      select i, h.outcome, h.available, h.hold_id, h.hold_amount, h.hold_expires_at, h.hold_status
        from credits_hold(p_user_ids[i], p_external_ids[i], p_amounts[i], p_expires_ats[i], p_descriptions[i],
                          p_idempotency_keys[i], p_request_hashes[i], p_nows[i]) h;
  end loop;
end
$fn$;

-- Each capture's outcome with the ledger row it wrote or replayed (read by a statement of its
-- own, after the capture's, so it sees the row).
create or replace function credits_capture_many(
  p_hold_ids bigint[],
  p_amounts numeric[],
  p_descriptions text[],
  p_usage_record_ids bigint[],
  p_idempotency_keys text[],
  p_request_hashes text[],
  p_nows timestamptz[]
) returns table (
  ord integer,
  outcome text,
  current_balance numeric,
  hold_status text,
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
  tx_allocations jsonb,
  tx_hold_id bigint,
  tx_created_at timestamptz
) language plpgsql as $fn$
#variable_conflict use_variable
declare
  v record;
begin
  -- Rule 2: a batch of captures is ordered by hold, not by user (only the holds name their users),
  -- so the users' rows are locked here first, in id order, before any capture takes one.
  perform 1 from credits c
    where c.user_id in (select h.user_id from credit_holds h where h.id = any(p_hold_ids))
    order by c.user_id for update of c;
  for i in 1 .. coalesce(cardinality(p_hold_ids), 0) loop
    select * into v from credits_capture(p_hold_ids[i], p_amounts[i], p_descriptions[i], p_usage_record_ids[i],
                                         p_idempotency_keys[i], p_request_hashes[i], p_nows[i]) r;
    return query
      select i, v.outcome, v.current_balance, v.hold_status, t.id, t.user_id, t.type::text, t.amount, t.balance_before,
             t.balance_after, t.description::text, t.reference_id::text, t.usage_record_id, t.idempotency_key::text, t.allocations,
             t.hold_id, t.created_at
        from (select v.tx_id as id) k left join credit_transactions t on t.id = k.id;
  end loop;
end
$fn$;
