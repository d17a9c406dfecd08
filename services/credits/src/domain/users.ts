import type { CreateUserInput, ListUsersInput, User as UserDto, UserPage, UserRef } from '@credits/contract';
import { type InferEntity, UniqueConstraintViolationException } from '@mikro-orm/core';
import { CreditAccount, User } from '../db/entities';
import type { EntityManager } from '../db/orm';
import { emailTaken, externalIdTaken, idempotencyKeyReused, userNotFound } from './errors';
import { requestHash } from './idempotency';
import { decodeCursor, toPage } from './pagination';

type UserEntity = InferEntity<typeof User>;

const byRef = (ref: UserRef) => (typeof ref === 'number' ? { id: ref } : { externalId: ref });

/** A user reference as two SQL parameters: our id, or the external id (the other one null). */
export const idOrExternalId = (ref: UserRef): [number | null, string | null] => (typeof ref === 'number' ? [ref, null] : [null, ref]);

/**
 * A new user starts with a balance row at 0 (no ledger rows: the sum of none is 0). An
 * idempotency key belongs to `scope`, the principal that sent it: another principal's key of the
 * same text neither replays this user nor conflicts with it.
 */
export async function createUser(em: EntityManager, input: CreateUserInput, scope: string): Promise<UserDto> {
  const key = input.idempotencyKey;
  const hash = key === undefined ? null : requestHash('users.create', input.email, input.name, input.externalId);
  if (key !== undefined) {
    const earlier = await em.findOne(User, { idempotencyScope: scope, idempotencyKey: key });
    if (earlier) return replay(earlier, hash, key);
  }
  const user = em.create(User, {
    email: input.email,
    name: input.name,
    externalId: input.externalId ?? null,
    idempotencyScope: key === undefined ? null : scope,
    idempotencyKey: key ?? null,
    requestHash: hash,
  });
  em.create(CreditAccount, { user });
  try {
    await em.flush(); // one transaction: the user and its balance row, or neither
  } catch (error) {
    if (!(error instanceof UniqueConstraintViolationException)) throw error;
    em.clear();
    if (key !== undefined) {
      // The same request, sent twice at once: the other one won the insert.
      const earlier = await em.findOne(User, { idempotencyScope: scope, idempotencyKey: key });
      if (earlier) return replay(earlier, hash, key);
    }
    const constraint = (error as { constraint?: string }).constraint;
    if (constraint === 'users_email_unique') throw emailTaken(input.email);
    if (constraint === 'users_external_id_unique') throw externalIdTaken(input.externalId!);
    throw error;
  }
  return toUser(user);
}

function replay(earlier: UserEntity, hash: string | null, key: string): UserDto {
  if (earlier.requestHash !== hash) throw idempotencyKeyReused(key);
  return toUser(earlier);
}

export async function getUser(em: EntityManager, ref: UserRef): Promise<UserDto> {
  const user = await em.findOne(User, byRef(ref));
  if (!user) throw userNotFound(ref);
  return toUser(user);
}

export async function findUserByExternalId(em: EntityManager, externalId: string): Promise<UserDto | null> {
  const user = await em.findOne(User, { externalId });
  return user && toUser(user);
}

/** Our id for a user reference; NOT_FOUND when no such user exists. */
export async function resolveUserId(em: EntityManager, ref: UserRef): Promise<number> {
  const user = await em.findOne(User, byRef(ref), { fields: ['id'] });
  if (!user) throw userNotFound(ref);
  return user.id;
}

/** In id order. `search` matches part of the email, the name or the external id, case-insensitively; `email` the whole email. */
export async function listUsers(em: EntityManager, input: ListUsersInput): Promise<UserPage> {
  const after = decodeCursor(input.cursor, 'integer');
  const like = input.search === undefined ? undefined : `%${input.search.replace(/[\\%_]/g, '\\$&')}%`;
  const users = await em.find(
    User,
    {
      ...(after === null ? {} : { id: { $gt: after } }),
      ...(input.email === undefined ? {} : { email: input.email }),
      ...(like === undefined ? {} : { $or: [{ email: { $ilike: like } }, { name: { $ilike: like } }, { externalId: { $ilike: like } }] }),
    },
    { orderBy: { id: 'asc' }, limit: input.limit + 1, offset: input.offset },
  );
  return toPage(users.map(toUser), input.limit, (u) => u.id);
}

function toUser(user: UserEntity): UserDto {
  return { id: user.id, email: user.email, name: user.name, externalId: user.externalId ?? null, createdAt: user.createdAt };
}
