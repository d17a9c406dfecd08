import { Migration } from '@mikro-orm/migrations';

/**
 * Created `credits_apply_many`, whose definition now lives in src/db/ledger.sql (a repeatable migration:
 * see src/db/repeatable.ts). Kept, empty, so that databases that ran it still find it here.
 */
export class Migration20261126022000_ledger_apply_many extends Migration {
  override up(): void {}
}
