-- API keys: a revocation is said at once to every replica. Each caches the keys it has verified
-- for a while (auth/key-cache.ts) and forgets one when this notification arrives, whichever
-- path revoked it (the API, or SQL by hand). Applied as a repeatable migration (repeatable.ts).

create or replace function api_key_revoked_notify() returns trigger language plpgsql as $fn$
begin
  if tg_op = 'DELETE' then
    perform pg_notify('credits_api_key_revoked', old.key_hash);
  elsif new.revoked_at is not null and old.revoked_at is null then
    perform pg_notify('credits_api_key_revoked', new.key_hash);
  end if;
  return null;
end
$fn$;

create or replace trigger api_keys_revoked_notify
  after update of revoked_at or delete on api_keys
  for each row execute function api_key_revoked_notify();
