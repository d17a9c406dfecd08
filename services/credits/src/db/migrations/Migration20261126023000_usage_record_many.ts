import { Migration } from '@mikro-orm/migrations';

/**
 * `usage_record_many`: several usage records in one call and one transaction, in the order given,
 * each through `usage_record` and so under all of its rules (a charged record and its consume
 * together or neither). The service combines the records that queue up while others are at the
 * database into one of these (domain/combiner.ts); each keeps its own rows and its own outcome.
 */
export class Migration20261126023000_usage_record_many extends Migration {
  override up(): void {
    this.addSql(`
create function usage_record_many(
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
  p_request_hashes text[]
) returns table (ord integer, outcome text, current_balance numeric, rec usage_records, tx credit_transactions)
language plpgsql as $fn$
declare
  r record;
begin
  for i in 1 .. coalesce(cardinality(p_user_ids), 0) loop
    select * into r
      from usage_record(p_user_ids[i], p_external_ids[i], p_session_uuids[i], p_endpoints[i], p_event_types[i], p_credits[i],
                        p_costs[i], p_tokens[i], p_prompt_tokens[i], p_completion_tokens[i], p_models[i], p_providers[i],
                        p_tools[i], p_operations[i], p_metadata[i], p_charges[i], p_idempotency_keys[i], p_request_hashes[i]);
    ord := i;
    outcome := r.outcome;
    current_balance := r.current_balance;
    rec := r.rec;
    tx := r.tx;
    return next;
  end loop;
end
$fn$;`);
  }

  override down(): void {
    this.addSql(
      'drop function usage_record_many(integer[], text[], uuid[], text[], text[], numeric[], numeric[], integer[], integer[], integer[], text[], text[], text[], text[], jsonb[], boolean[], text[], text[]);',
    );
  }
}
