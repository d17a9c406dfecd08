import type { UserRef } from '@credits/contract';

/**
 * Who is calling.
 * - admin: the ADMIN_API_KEY, or an admin-scope API key (keyId); may do everything.
 * - service: another service's API key; acts on any user, runs no admin operation.
 * - user: a user's own API key, or a JWT whose `sub` is its external id (keyId null); acts on
 *   itself only.
 */
export type Principal =
  | { kind: 'admin'; keyId: number | null }
  | { kind: 'service'; keyId: number }
  | { kind: 'user'; userId: number; externalId: string | null; keyId: number | null };

export type PrincipalKind = Principal['kind'];

/**
 * Whether `principal` may act on the user `ref` names. A user may name itself by either of its
 * ids; any other id, in either form, is someone else.
 */
export function mayActOn(principal: Principal, ref: UserRef): boolean {
  if (principal.kind !== 'user') return true;
  return typeof ref === 'number' ? ref === principal.userId : ref === principal.externalId;
}

/** The only user whose data `principal` may reach, or undefined when it may reach anyone's. */
export const onlyUser = (principal: Principal): number | undefined => (principal.kind === 'user' ? principal.userId : undefined);

/** Who did it, for audit records: `admin` (the ADMIN_API_KEY), or the API key that was used. */
export const principalLabel = (principal: Principal): string =>
  principal.keyId === null ? principal.kind : `api-key:${principal.keyId}`;
