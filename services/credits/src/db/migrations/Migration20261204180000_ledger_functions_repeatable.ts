import { Migration } from '@mikro-orm/migrations';

/**
 * The ledger's functions now live in src/db/ledger.sql and src/db/usage.sql, applied as
 * repeatable migrations (src/db/repeatable.ts), whose checksums this table keeps. Their earlier
 * versions returned whole rows of credit_transactions and usage_records, which a custom column
 * could break; they go here, and the files create the new ones right after the migrations run.
 */
export class Migration20261204180000_ledger_functions_repeatable extends Migration {
  override up(): void {
    this.addSql(`create table "repeatable_migrations" ("name" varchar(100) primary key, "checksum" varchar(64) not null, "applied_at" timestamptz not null default now());`);
    this.addSql('drop function if exists credits_apply_many(integer[], text[], text[], numeric[], text[], text[], bigint[], text[], text[]);');
    this.addSql('drop function if exists credits_apply(integer, text, text, numeric, text, text, bigint, text, text);');
    this.addSql(
      'drop function if exists usage_record_many(integer[], text[], uuid[], text[], text[], numeric[], numeric[], integer[], integer[], integer[], text[], text[], text[], text[], jsonb[], boolean[], text[], text[]);',
    );
    this.addSql(
      'drop function if exists usage_record(integer, text, uuid, text, text, numeric, numeric, integer, integer, integer, text, text, text, text, jsonb, boolean, text, text);',
    );
  }
}
