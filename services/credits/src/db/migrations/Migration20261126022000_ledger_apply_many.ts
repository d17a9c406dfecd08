import { Migration } from '@mikro-orm/migrations';

/**
 * `credits_apply_many`: several balance changes in one call and one transaction, in the order
 * given, each through `credits_apply` and so under all of its rules. The service combines the
 * calls that queue up while others are at the database into one of these (see
 * domain/combiner.ts): one round trip and one commit for many changes, and for a busy user one
 * lock acquisition for many debits. Every change still gets its own ledger row and its own
 * outcome; a refused change (insufficient, key reused) refuses only itself.
 */
export class Migration20261126022000_ledger_apply_many extends Migration {
  override up(): void {
    this.addSql(`
create function credits_apply_many(
  p_user_ids integer[],
  p_external_ids text[],
  p_types text[],
  p_amounts numeric[],
  p_descriptions text[],
  p_reference_ids text[],
  p_usage_record_ids bigint[],
  p_idempotency_keys text[],
  p_request_hashes text[]
) returns table (ord integer, outcome text, current_balance numeric, tx credit_transactions)
language plpgsql as $fn$
declare
  r record;
begin
  for i in 1 .. coalesce(cardinality(p_types), 0) loop
    select * into r
      from credits_apply(p_user_ids[i], p_external_ids[i], p_types[i], p_amounts[i], p_descriptions[i], p_reference_ids[i],
                         p_usage_record_ids[i], p_idempotency_keys[i], p_request_hashes[i]);
    ord := i;
    outcome := r.outcome;
    current_balance := r.current_balance;
    tx := r.tx;
    return next;
  end loop;
end
$fn$;`);
  }

  override down(): void {
    this.addSql('drop function credits_apply_many(integer[], text[], text[], numeric[], text[], text[], bigint[], text[], text[]);');
  }
}
