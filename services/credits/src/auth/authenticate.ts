import { createHash, timingSafeEqual } from 'node:crypto';
import { createUserInput } from '@credits/contract';
import type { JWTPayload } from 'jose';
import type { EntityManager, MikroORM } from '../db/orm';
import { findActiveApiKey } from '../domain/api-keys';
import { DomainError, invalidCredentials, missingCredentials, rateLimited, userNotFound } from '../domain/errors';
import { createUser, findUserByExternalId } from '../domain/users';
import type { Credential } from './credentials';
import type { KeyCache } from './key-cache';
import { createJwtVerifier, type JwtOptions } from './jwt';
import type { Principal } from './principal';
import type { AttemptLimiter } from '@credits/runtime';

export interface AuthOptions {
  /** The operator's key (ADMIN_API_KEY); unset: only admin-scope API keys are admins. */
  adminApiKey: string | undefined;
  jwt: JwtOptions | undefined;
  /** A valid token for an unknown `sub` creates that user (from its email and name claims). */
  autoProvision: boolean;
  /** Failed attempts per client address (see failure-limiter.ts). */
  limiter: AttemptLimiter;
  /** API keys verified a moment ago (see key-cache.ts). */
  keys: KeyCache;
}

export type AuthResult = { principal: Principal } | { error: DomainError };

export type Authenticate = (credential: Credential | null, client: string) => Promise<AuthResult>;

/** Credentials in, a principal (or the reason there is none) out. Failures count against the client's address. */
export function createAuthenticator(orm: MikroORM, options: AuthOptions): Authenticate {
  const verifyJwt = options.jwt && createJwtVerifier(options.jwt);
  const { limiter } = options;
  const adminKeyHash = options.adminApiKey === undefined ? undefined : sha256(options.adminApiKey);

  async function identify(credential: Credential): Promise<Principal> {
    const { value } = credential;
    if (!value) throw invalidCredentials('Invalid credentials: expected Authorization: Bearer <API key or token>');
    // Hashing both sides makes the comparison constant-time whatever the lengths.
    const digest = sha256(value);
    if (adminKeyHash && timingSafeEqual(digest, adminKeyHash)) return { kind: 'admin', keyId: null };
    if (verifyJwt && credential.header === 'authorization' && looksLikeJwt(value)) return userFromToken(orm.em.fork(), await verifyJwt(value));
    // The same digest, as api_keys stores it.
    const hash = digest.toString('hex');
    const key = options.keys.get(hash) ?? (await options.keys.load(hash, () => findActiveApiKey(orm.em.fork(), hash)));
    if (!key) throw invalidCredentials('Invalid API key');
    if (key.scope === 'user') return { kind: 'user', userId: key.userId!, externalId: key.externalId, keyId: key.id };
    return { kind: key.scope, keyId: key.id };
  }

  async function userFromToken(em: EntityManager, claims: JWTPayload): Promise<Principal> {
    const { sub } = claims as { sub?: unknown };
    if (sub === undefined || sub === '') throw invalidCredentials('Invalid token: no sub claim');
    if (typeof sub !== 'string') throw invalidCredentials('Invalid token: its sub claim must be a string');
    const user = (await findUserByExternalId(em, sub)) ?? (options.autoProvision ? await provision(em, { ...claims, sub }) : null);
    if (!user) throw userNotFound(sub);
    return { kind: 'user', userId: user.id, externalId: sub, keyId: null };
  }

  /** Just-in-time sign-up from the token's claims. */
  async function provision(em: EntityManager, claims: JWTPayload & { sub: string }) {
    const input = createUserInput.safeParse({ email: claims.email, name: claims.name ?? claims.email, externalId: claims.sub });
    if (!input.success) throw invalidCredentials('Invalid token: no usable email claim to create its user from');
    try {
      return await createUser(em, input.data, 'jwt');
    } catch (error) {
      // A concurrent first request may have won the insert; its conflict names the email or the
      // external id, whichever unique index PostgreSQL checked first. Anything else stands.
      const winner = error instanceof DomainError && error.code === 'CONFLICT' ? await findUserByExternalId(em.fork(), claims.sub) : null;
      if (winner) return winner;
      throw error;
    }
  }

  return async (credential, client) => {
    if (!credential) return { error: missingCredentials() };
    const wait = await limiter.retryAfter(client);
    if (wait > 0) return { error: rateLimited(wait) };
    try {
      const principal = await identify(credential);
      if (credential.header === 'x-admin-key' && principal.kind !== 'admin') throw invalidCredentials('x-admin-key must carry an admin key');
      return { principal };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      if (error.code === 'UNAUTHORIZED') await limiter.record(client);
      return { error };
    }
  };
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

const looksLikeJwt = (value: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(value);
