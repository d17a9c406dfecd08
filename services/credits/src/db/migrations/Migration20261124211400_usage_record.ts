import { Migration } from '@mikro-orm/migrations';

/**
 * `usage_record`: a usage event, and when it is charged its consume, in one call (one statement,
 * so one transaction): both are written or neither. The record's id is drawn first so that the
 * consume can point at the record and the record at the consume.
 *
 * Outcomes: recorded, replayed (same key, same request hash), key_reused, insufficient,
 * user_not_found, session_not_found.
 */
export class Migration20261124211400_usage_record extends Migration {
  override up(): void {
    this.addSql(`
create function usage_record(
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
  out outcome text,
  out current_balance numeric,
  out rec usage_records,
  out tx credit_transactions
) language plpgsql as $fn$
declare
  v_user integer;
  v_session integer;
  v_id bigint;
  v_after numeric;
begin
  -- A charged record locks the balance row first, as every balance change does (credits_apply):
  -- from here on the key check and the guard below see settled values.
  if p_charge then
    select c.user_id, c.balance into v_user, current_balance
      from credits c
     where c.user_id = coalesce(p_user_id, (select u.id from users u where u.external_id = p_external_id))
       for update;
  else
    select u.id into v_user from users u where u.id = p_user_id or u.external_id = p_external_id;
  end if;
  if v_user is null then
    outcome := 'user_not_found';
    return;
  end if;

  if p_idempotency_key is not null then
    select r.* into rec from usage_records r where r.user_id = v_user and r.idempotency_key = p_idempotency_key;
    if found then
      outcome := case when rec.request_hash = p_request_hash then 'replayed' else 'key_reused' end;
      select t.* into tx from credit_transactions t where t.id = rec.transaction_id;
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

  v_id := nextval(pg_get_serial_sequence('usage_records', 'id'));
  if p_charge then
    v_after := current_balance - p_credits;
    -- Never below zero: a refused charge writes no record either.
    if v_after < 0 then
      outcome := 'insufficient';
      return;
    end if;
    update credits c set balance = v_after, updated_at = now() where c.user_id = v_user;
    insert into credit_transactions (user_id, type, amount, balance_before, balance_after, description, usage_record_id)
    values (v_user, 'consume', -p_credits, current_balance, v_after, left(p_event_type || ' ' || p_endpoint, 500), v_id)
    returning * into tx;
    current_balance := v_after;
  end if;

  insert into usage_records
    (id, user_id, session_id, endpoint, event_type, credits_charged, cost_usd, tokens_used, prompt_tokens,
     completion_tokens, model_name, provider, tool_name, operation_name, metadata, transaction_id,
     idempotency_key, request_hash)
  values
    (v_id, v_user, v_session, p_endpoint, p_event_type, coalesce(p_credits, 0), coalesce(p_cost, 0), p_tokens, p_prompt_tokens,
     p_completion_tokens, p_model, p_provider, p_tool, p_operation, p_metadata, tx.id,
     p_idempotency_key, p_request_hash)
  on conflict (user_id, idempotency_key) do nothing
  returning * into rec;
  if not found then
    -- The same key, inserted a moment ago by a concurrent uncharged call (a charged one holds the
    -- lock, so cannot get here): that call's record is the answer.
    if p_charge then
      raise exception 'usage_record: key % appeared under the balance lock', p_idempotency_key;
    end if;
    select r.* into rec from usage_records r where r.user_id = v_user and r.idempotency_key = p_idempotency_key;
    outcome := case when rec.request_hash = p_request_hash then 'replayed' else 'key_reused' end;
    return;
  end if;
  outcome := 'recorded';
end
$fn$;`);
  }

  override down(): void {
    this.addSql(
      'drop function usage_record(integer, text, uuid, text, text, numeric, numeric, integer, integer, integer, text, text, text, text, jsonb, boolean, text, text);',
    );
  }
}
