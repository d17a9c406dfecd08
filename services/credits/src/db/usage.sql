-- Usage records: an event, and when it is charged its consume, in one call (one statement, so one
-- transaction): both are written or neither. The charge is a change of the ledger like any other,
-- made by credits_apply (ledger.sql) under all of its rules; this file adds only what is the
-- record's own: its idempotency key, its session, and the two rows pointing at each other (the
-- record's id is drawn first, so the consume can name it). Applied by the migrator as a repeatable
-- migration, after ledger.sql. No `*`, every column qualified: see ledger.sql.

-- Outcomes: recorded, replayed (same key, same request hash), key_reused, insufficient,
-- user_not_found, session_not_found. The r_ columns are the record written (or replayed), with
-- its session's public id; `balance_after` is the balance its charge left (null: not charged).
create or replace function usage_record(
  p_user_id integer,
  p_external_id text,
  p_session_uuid uuid,
  p_endpoint text,
  p_event_type text,
  p_credits numeric,
  p_cost numeric,
  p_tokens integer,
  p_prompt_tokens integer,
  p_completion_tokens integer,
  p_model text,
  p_provider text,
  p_tool text,
  p_operation text,
  p_metadata jsonb,
  p_charge boolean,
  p_idempotency_key text,
  p_request_hash text,
  p_now timestamptz,
  out outcome text,
  out current_balance numeric,
  out balance_after numeric,
  out r_id bigint,
  out r_user_id integer,
  out r_session_uuid uuid,
  out r_endpoint text,
  out r_event_type text,
  out r_credits_charged numeric,
  out r_cost_usd numeric,
  out r_tokens_used integer,
  out r_prompt_tokens integer,
  out r_completion_tokens integer,
  out r_model_name text,
  out r_provider text,
  out r_tool_name text,
  out r_operation_name text,
  out r_metadata jsonb,
  out r_transaction_id bigint,
  out r_idempotency_key text,
  out r_created_at timestamptz
) language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_user integer;
  v_session integer;
  v_hash text;
  v_charge record;
begin
  -- A charged record takes the balance row's lock first, as every change of the ledger does
  -- (credits_apply takes it again, in the same transaction): from here on the key check below
  -- sees settled values.
  if p_charge then
    select c.user_id into v_user
      from credits c
     where c.user_id = coalesce(p_user_id, (select u.id from users u where u.external_id = p_external_id))
       for update of c;
  else
    select u.id into v_user from users u where u.id = p_user_id or u.external_id = p_external_id;
  end if;
  if v_user is null then
    outcome := 'user_not_found';
    return;
  end if;

  if p_idempotency_key is not null then
    select r.id, r.request_hash into r_id, v_hash from usage_records r where r.user_id = v_user and r.idempotency_key = p_idempotency_key;
    if found then
      outcome := case when v_hash = p_request_hash then 'replayed' else 'key_reused' end;
      select rec.* into outcome, current_balance, balance_after, r_id, r_user_id, r_session_uuid, r_endpoint, r_event_type,
             r_credits_charged, r_cost_usd, r_tokens_used, r_prompt_tokens, r_completion_tokens, r_model_name, r_provider,
             r_tool_name, r_operation_name, r_metadata, r_transaction_id, r_idempotency_key, r_created_at
        from usage_record_read(r_id, outcome) rec;
      return;
    end if;
  end if;

  if p_session_uuid is not null then
    select s.id into v_session from sessions s where s.session_id = p_session_uuid and s.user_id = v_user;
    if v_session is null then
      outcome := 'session_not_found';
      return;
    end if;
  end if;

  r_id := nextval(pg_get_serial_sequence('usage_records', 'id'));
  if p_charge then
    select a.outcome, a.current_balance, a.tx_id into v_charge
      from credits_apply(v_user, null, 'consume', p_credits, left(p_event_type || ' ' || p_endpoint, 500), null, r_id, null, null, p_now, null) a;
    current_balance := v_charge.current_balance;
    if v_charge.outcome <> 'applied' then
      -- Refused (never below zero): a refused charge writes no record either.
      outcome := v_charge.outcome;
      return;
    end if;
    r_transaction_id := v_charge.tx_id;
  end if;

  insert into usage_records as r
    (id, user_id, session_id, endpoint, event_type, credits_charged, cost_usd, tokens_used, prompt_tokens,
     completion_tokens, model_name, provider, tool_name, operation_name, metadata, transaction_id,
     idempotency_key, request_hash, created_at)
  values
    (r_id, v_user, v_session, p_endpoint, p_event_type, coalesce(p_credits, 0), coalesce(p_cost, 0), p_tokens, p_prompt_tokens,
     p_completion_tokens, p_model, p_provider, p_tool, p_operation, p_metadata, r_transaction_id,
     p_idempotency_key, p_request_hash, p_now)
  on conflict (user_id, idempotency_key) do nothing;
  if not found then
    -- The same key, inserted a moment ago by a concurrent uncharged call (a charged one holds the
    -- lock, so cannot get here): that call's record is the answer.
    if p_charge then
      raise exception 'usage_record: key % appeared under the balance lock', p_idempotency_key;
    end if;
    select r.id, r.request_hash into r_id, v_hash from usage_records r where r.user_id = v_user and r.idempotency_key = p_idempotency_key;
    outcome := case when v_hash = p_request_hash then 'replayed' else 'key_reused' end;
  else
    outcome := 'recorded';
  end if;
  select rec.* into outcome, current_balance, balance_after, r_id, r_user_id, r_session_uuid, r_endpoint, r_event_type,
         r_credits_charged, r_cost_usd, r_tokens_used, r_prompt_tokens, r_completion_tokens, r_model_name, r_provider,
         r_tool_name, r_operation_name, r_metadata, r_transaction_id, r_idempotency_key, r_created_at
    from usage_record_read(r_id, outcome) rec;
end
$fn$;

-- A usage record as usage_record answers it: its columns, its session's public id, and the balance
-- after its charge (from its consume). `current_balance` is that balance too: the caller holds
-- the lock that keeps it so.
create or replace function usage_record_read(p_id bigint, p_outcome text)
returns table (
  outcome text,
  current_balance numeric,
  balance_after numeric,
  r_id bigint,
  r_user_id integer,
  r_session_uuid uuid,
  r_endpoint text,
  r_event_type text,
  r_credits_charged numeric,
  r_cost_usd numeric,
  r_tokens_used integer,
  r_prompt_tokens integer,
  r_completion_tokens integer,
  r_model_name text,
  r_provider text,
  r_tool_name text,
  r_operation_name text,
  r_metadata jsonb,
  r_transaction_id bigint,
  r_idempotency_key text,
  r_created_at timestamptz
) language sql stable as $$
  select p_outcome, t.balance_after, t.balance_after, r.id, r.user_id, s.session_id, r.endpoint, r.event_type, r.credits_charged,
         r.cost_usd, r.tokens_used, r.prompt_tokens, r.completion_tokens, r.model_name, r.provider, r.tool_name, r.operation_name,
         r.metadata, r.transaction_id, r.idempotency_key, r.created_at
    from usage_records r
    left join sessions s on s.id = r.session_id
    left join credit_transactions t on t.id = r.transaction_id
   where r.id = p_id
$$;

-- Several usage records in one call and one transaction, in the order given, each through
-- usage_record and so under all of its rules. The service combines the records that queue up
-- while others are at the database into one of these (src/db/combiner.ts).
create or replace function usage_record_many(
  p_user_ids integer[],
  p_external_ids text[],
  p_session_uuids uuid[],
  p_endpoints text[],
  p_event_types text[],
  p_credits numeric[],
  p_costs numeric[],
  p_tokens integer[],
  p_prompt_tokens integer[],
  p_completion_tokens integer[],
  p_models text[],
  p_providers text[],
  p_tools text[],
  p_operations text[],
  p_metadata jsonb[],
  p_charges boolean[],
  p_idempotency_keys text[],
  p_request_hashes text[],
  p_nows timestamptz[]
) returns table (
  ord integer,
  outcome text,
  current_balance numeric,
  balance_after numeric,
  r_id bigint,
  r_user_id integer,
  r_session_uuid uuid,
  r_endpoint text,
  r_event_type text,
  r_credits_charged numeric,
  r_cost_usd numeric,
  r_tokens_used integer,
  r_prompt_tokens integer,
  r_completion_tokens integer,
  r_model_name text,
  r_provider text,
  r_tool_name text,
  r_operation_name text,
  r_metadata jsonb,
  r_transaction_id bigint,
  r_idempotency_key text,
  r_created_at timestamptz
) language plpgsql as $fn$
#variable_conflict use_variable
begin
  for i in 1 .. coalesce(cardinality(p_user_ids), 0) loop
    return query
      select i, u.outcome, u.current_balance, u.balance_after, u.r_id, u.r_user_id, u.r_session_uuid, u.r_endpoint, u.r_event_type,
             u.r_credits_charged, u.r_cost_usd, u.r_tokens_used, u.r_prompt_tokens, u.r_completion_tokens, u.r_model_name,
             u.r_provider, u.r_tool_name, u.r_operation_name, u.r_metadata, u.r_transaction_id, u.r_idempotency_key, u.r_created_at
        from usage_record(p_user_ids[i], p_external_ids[i], p_session_uuids[i], p_endpoints[i], p_event_types[i], p_credits[i],
                          p_costs[i], p_tokens[i], p_prompt_tokens[i], p_completion_tokens[i], p_models[i], p_providers[i],
                          p_tools[i], p_operations[i], p_metadata[i], p_charges[i], p_idempotency_keys[i], p_request_hashes[i],
                          p_nows[i]) u;
  end loop;
end
$fn$;
