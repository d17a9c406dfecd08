import { Migration } from '@mikro-orm/migrations';

/**
 * Created `usage_record`, whose definition now lives in src/db/usage.sql (a repeatable migration:
 * see src/db/repeatable.ts). Kept, empty, so that databases that ran it still find it here.
 */
export class Migration20261124211400_usage_record extends Migration {
  override up(): void {}
}
