import { createHash, randomBytes } from 'node:crypto';
import type { ApiKey as ApiKeyDto, ApiKeyPage, ApiKeyScope, CreateApiKeyInput, CreatedApiKey, ListApiKeysInput } from '@credits/contract';
import type { InferEntity } from '@mikro-orm/core';
import { ApiKey } from '../db/entities';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';
import { DomainError } from './errors';
import { decodeCursor, toPage } from './pagination';
import { resolveUserId } from './users';

type ApiKeyEntity = InferEntity<typeof ApiKey>;

/** 32 random bytes behind a prefix that says what the string is (and lets secret scanners find it). */
const KEY_PREFIX = 'ck_live_';

const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** A new key: the secret (shown once), the prefix that tells keys apart, and the hash that is stored. */
export function newApiKey(): { key: string; prefix: string; keyHash: string } {
  const key = KEY_PREFIX + randomBytes(32).toString('base64url');
  return { key, prefix: key.slice(0, KEY_PREFIX.length + 4), keyHash: hashApiKey(key) };
}

/** The key is returned here and never again: only its SHA-256 is stored. */
export async function createApiKey(em: EntityManager, input: CreateApiKeyInput): Promise<CreatedApiKey> {
  if (input.userId !== undefined) await resolveUserId(em, input.userId);
  const { key, prefix, keyHash } = newApiKey();
  const entity = em.create(ApiKey, { name: input.name, scope: input.scope, user: input.userId ?? null, prefix, keyHash });
  await em.flush();
  return { ...toApiKey(entity), key };
}

/** In id order; revoked keys only when asked for. */
export async function listApiKeys(em: EntityManager, input: ListApiKeysInput): Promise<ApiKeyPage> {
  const after = decodeCursor(input.cursor, 'integer');
  const keys = await em.find(
    ApiKey,
    { ...(after === null ? {} : { id: { $gt: after } }), ...(input.includeRevoked ? {} : { revokedAt: null }) },
    { orderBy: { id: 'asc' }, limit: input.limit + 1, offset: input.offset },
  );
  return toPage(keys.map(toApiKey), input.limit, (k) => k.id);
}

/** Takes effect at once: every request looks its key up. Revoking a revoked key changes nothing. */
export async function revokeApiKey(em: EntityManager, id: number): Promise<ApiKeyDto> {
  const key = await em.findOne(ApiKey, { id });
  if (!key) throw new DomainError('NOT_FOUND', `API key ${id} not found`);
  key.revokedAt ??= new Date();
  await em.flush();
  return toApiKey(key);
}

export interface ActiveApiKey {
  id: number;
  scope: ApiKeyScope;
  userId: number | null;
  externalId: string | null;
}

/**
 * The unrevoked key with this hash, or null. One statement, which also records when the key was
 * last used, but writes that at most once a minute per key, not on every request.
 */
export async function findActiveApiKey(em: EntityManager, keyHash: string): Promise<ActiveApiKey | null> {
  const [row] = await query<{ id: number; scope: ApiKeyScope; user_id: number | null; external_id: string | null }>(
    em,
    `with found as (
       select k.id, k.scope, k.user_id, u.external_id, k.last_used_at
         from api_keys k left join users u on u.id = k.user_id
        where k.key_hash = $1 and k.revoked_at is null
     ), touched as (
       update api_keys set last_used_at = now()
        where id = (select id from found)
          and (last_used_at is null or last_used_at < now() - interval '1 minute')
     )
     select id, scope, user_id, external_id from found`,
    [keyHash],
  );
  return row ? { id: row.id, scope: row.scope, userId: row.user_id, externalId: row.external_id } : null;
}

function toApiKey(key: ApiKeyEntity): ApiKeyDto {
  return {
    id: key.id,
    name: key.name,
    scope: key.scope,
    userId: key.user?.id ?? null,
    prefix: key.prefix,
    createdAt: key.createdAt,
    lastUsedAt: key.lastUsedAt ?? null,
    revokedAt: key.revokedAt ?? null,
  };
}
