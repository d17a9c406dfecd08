import { Migration } from '@mikro-orm/migrations';

/**
 * Failed authentication attempts per client address, shared by every replica when
 * AUTH_FAILURE_STORE=postgres (rate-limiter-flexible's RateLimiterPostgres and its own layout:
 * `expire` in epoch milliseconds).
 */
export class Migration20261204170000_auth_failures extends Migration {
  override up(): void {
    this.addSql(`create table "auth_failures" ("key" varchar(255) primary key, "points" integer not null default 0, "expire" bigint);`);
  }

  override down(): void {
    this.addSql(`drop table "auth_failures";`);
  }
}
