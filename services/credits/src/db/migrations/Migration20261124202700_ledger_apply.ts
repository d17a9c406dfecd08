import { Migration } from '@mikro-orm/migrations';

/**
 * Created `credits_apply`, whose definition now lives in src/db/ledger.sql (a repeatable migration:
 * see src/db/repeatable.ts). Kept, empty, so that databases that ran it still find it here.
 */
export class Migration20261124202700_ledger_apply extends Migration {
  override up(): void {}
}
