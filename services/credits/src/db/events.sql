-- Balance events: derived from the ledger in the transaction that changes it, so an event exists
-- if and only if its change committed (rule 10 of the ledger, kept here). `transaction.created`
-- is the ledger row itself; the rest are rows of `credit_events`, written by the triggers below,
-- with ids from the ledger's own sequence: the ledger and its events are one log, ordered by id.
-- Every writer holds the user's lock (ledger.sql, rule 2) while it takes an id, so one user's
-- events are in id order, and that order is the order they committed in.
--
-- Alerts, with hysteresis: a user's state is ok, low or depleted, moved only by a ledger row.
--   to depleted: the balance is 0 (from ok or low);
--   to low:      0 < balance < threshold, from ok;
--   to ok:       balance >= 110% of the threshold (> 0 without one), from low or depleted; fires recovered.
-- Anything else keeps the state, so a balance hovering at the threshold fires low once.

-- One derived event.
create or replace function credits_event(p_user integer, p_type text, p_transaction_id bigint, p_data jsonb, p_at timestamptz)
returns void language sql as $$
  insert into credit_events (user_id, type, transaction_id, data, created_at) values (p_user, p_type, p_transaction_id, p_data, p_at)
$$;

-- What a ledger row means beyond itself: the buckets an `expire` row wrote off, and a crossing of
-- the user's threshold.
create or replace function credits_transaction_events() returns trigger language plpgsql as $fn$
#variable_conflict use_variable
declare
  v_found boolean;
  v_custom boolean;
  v_low numeric;
  v_state text;
  v_next text;
begin
  if new.type = 'expire' then
    perform credits_event(new.user_id, 'bucket.expired', new.id,
                          jsonb_build_object('bucketId', (a->>'bucketId')::bigint, 'amount', -(a->>'amount')::numeric, 'transactionId', new.id),
                          new.created_at)
       from jsonb_array_elements(coalesce(new.allocations, '[]'::jsonb)) a;
  end if;

  select a.custom, a.low_balance, a.state into v_custom, v_low, v_state from balance_alerts a where a.user_id = new.user_id;
  v_found := found;
  if not v_found then v_custom := false; v_state := 'ok'; end if;
  if not v_custom then select s.default_low_balance into v_low from alert_settings s where s.id = 1; end if;

  v_next := case
    when new.balance_after = 0 then 'depleted'
    when v_low is not null and new.balance_after < v_low then case when v_state = 'ok' then 'low' else v_state end
    when v_state <> 'ok' and new.balance_after > 0 and new.balance_after >= coalesce(v_low * 1.1, 0) then 'ok'
    else v_state
  end;
  if v_next = v_state then return null; end if;

  if v_found then
    update balance_alerts a set state = v_next, updated_at = new.created_at where a.user_id = new.user_id;
  else
    insert into balance_alerts (user_id, state, updated_at) values (new.user_id, v_next, new.created_at);
  end if;
  perform credits_event(new.user_id,
                        case v_next when 'ok' then 'balance.recovered' when 'low' then 'balance.low' else 'balance.depleted' end,
                        new.id,
                        jsonb_build_object('balance', new.balance_after, 'lowBalance', v_low, 'transactionId', new.id),
                        new.created_at);
  return null;
end
$fn$;

create or replace trigger credit_transactions_events after insert on credit_transactions
  for each row execute function credits_transaction_events();

-- A hold that lapsed is ended by the ledger (credits_end_lapsed_holds, under the user's lock).
create or replace function credits_hold_events() returns trigger language plpgsql as $fn$
begin
  perform credits_event(new.user_id, 'hold.expired', null, jsonb_build_object('holdId', new.id, 'amount', new.amount), coalesce(new.finished_at, now()));
  return null;
end
$fn$;

create or replace trigger credit_holds_events after update of status on credit_holds
  for each row when (old.status = 'active' and new.status = 'expired') execute function credits_hold_events();
