import { Migration } from '@mikro-orm/migrations';

/** users.create idempotency keys belong to the principal that sent them (admin, or api-key:<id>). */
export class Migration20261204160204_users_idempotency_scope extends Migration {

  override name = 'Migration20261204160204_users_idempotency_scope';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users" drop constraint "users_idempotency_key_unique";`);
    this.addSql(`alter table "users" add "idempotency_scope" varchar(40) null;`);
    // Keys sent before they were scoped came from the one admin key of those days.
    this.addSql(`update "users" set "idempotency_scope" = 'admin' where "idempotency_key" is not null;`);
    this.addSql(`alter table "users" add constraint "users_idempotency_scope_idempotency_key_unique" unique ("idempotency_scope", "idempotency_key");`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "users" drop constraint "users_idempotency_scope_idempotency_key_unique";`);
    this.addSql(`alter table "users" add constraint "users_idempotency_key_unique" unique ("idempotency_key");`);
  }

}
