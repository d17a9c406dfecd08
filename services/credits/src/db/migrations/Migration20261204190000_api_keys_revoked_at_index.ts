import { Migration } from '@mikro-orm/migrations';

/** Replicas that cannot LISTEN poll for keys revoked in the last seconds: this finds them at once. */
export class Migration20261204190000_api_keys_revoked_at_index extends Migration {
  override up(): void {
    this.addSql(`create index "api_keys_revoked_at_index" on "api_keys" ("revoked_at") where "revoked_at" is not null;`);
  }

  override down(): void {
    this.addSql(`drop index "api_keys_revoked_at_index";`);
  }
}
