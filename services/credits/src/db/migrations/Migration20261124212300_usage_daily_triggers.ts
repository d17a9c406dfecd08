import { Migration } from '@mikro-orm/migrations';

/**
 * Keeps usage_daily equal to the sums of usage_records per (user, UTC day, event type, model):
 * statement triggers with transition tables add what a statement inserted and take away what it
 * deleted (an update does both), set-based whatever the number of rows, in the same transaction.
 * Buckets are written in key order, so two statements touching the same buckets cannot deadlock.
 */
export class Migration20261124212300_usage_daily_triggers extends Migration {
  override up(): void {
    for (const [name, rows, sign] of [
      ['usage_daily_add', 'new_rows', '+'],
      ['usage_daily_remove', 'old_rows', '-'],
    ] as const) {
      this.addSql(`
create function ${name}() returns trigger language plpgsql as $fn$
begin
  insert into usage_daily as d (user_id, day, event_type, model, records, credits_charged, cost_usd, tokens_used)
  select user_id, (created_at at time zone 'UTC')::date, event_type, coalesce(model_name, 'unknown'),
         ${sign}count(*), ${sign}sum(credits_charged), ${sign}sum(cost_usd), ${sign}coalesce(sum(tokens_used), 0)
    from ${rows}
   group by 1, 2, 3, 4
   order by 1, 2, 3, 4
  on conflict (user_id, day, event_type, model) do update
     set records = d.records + excluded.records,
         credits_charged = d.credits_charged + excluded.credits_charged,
         cost_usd = d.cost_usd + excluded.cost_usd,
         tokens_used = d.tokens_used + excluded.tokens_used;
  return null;
end
$fn$;`);
    }
    this.addSql(`create trigger usage_daily_insert after insert on usage_records
  referencing new table as new_rows for each statement execute function usage_daily_add();`);
    this.addSql(`create trigger usage_daily_delete after delete on usage_records
  referencing old table as old_rows for each statement execute function usage_daily_remove();`);
    // An update is a removal of the old rows and an addition of the new ones.
    this.addSql(`create trigger usage_daily_update_remove after update on usage_records
  referencing old table as old_rows for each statement execute function usage_daily_remove();`);
    this.addSql(`create trigger usage_daily_update_add after update on usage_records
  referencing new table as new_rows for each statement execute function usage_daily_add();`);
  }

  override down(): void {
    this.addSql('drop trigger usage_daily_insert on usage_records;');
    this.addSql('drop trigger usage_daily_delete on usage_records;');
    this.addSql('drop trigger usage_daily_update_remove on usage_records;');
    this.addSql('drop trigger usage_daily_update_add on usage_records;');
    this.addSql('drop function usage_daily_add(); drop function usage_daily_remove();');
  }
}
