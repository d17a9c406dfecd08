import type { ApiKeyScope, SignedUp, SignUpInput } from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { transaction } from '../db/sql';
import { newApiKey } from './api-keys';
import { emailTaken, externalIdTaken } from './errors';

/** The ledger key of a sign-up's first credits: one per user, so they are paid at most once. */
const SIGN_UP_KEY = 'signup';

interface UserRow {
  id: number;
  email: string;
  name: string;
  external_id: string | null;
  created_at: Date;
}

interface ApiKeyRow {
  id: number;
  name: string;
  scope: ApiKeyScope;
  user_id: number;
  prefix: string;
  created_at: Date;
}

/**
 * A user, its balance row, its first API key and its first credits, in one transaction: a
 * sign-up that fails at any step leaves nothing behind (no email taken by a user without a key).
 * The credits go through credits_apply, the ledger's one writer.
 */
export async function signUp(em: EntityManager, input: SignUpInput, now: Date): Promise<SignedUp> {
  const { key, prefix, keyHash } = newApiKey();
  try {
    return await transaction(em, async (sql) => {
      const [user] = await sql<UserRow>(
        `insert into users (email, name, external_id) values ($1, $2, $3) returning id, email, name, external_id, created_at`,
        [input.email, input.name, input.externalId ?? null],
      );
      await sql(`insert into credits (user_id) values ($1)`, [user!.id]);
      const [apiKey] = await sql<ApiKeyRow>(
        `insert into api_keys (name, scope, user_id, prefix, key_hash) values ($1, 'user', $2, $3, $4)
         returning id, name, scope, user_id, prefix, created_at`,
        [input.keyName, user!.id, prefix, keyHash],
      );
      let balance = 0;
      if (input.credits !== undefined) {
        const [paid] = await sql<{ outcome: string; current_balance: string }>(
          `select outcome, current_balance from credits_apply($1, null, 'recharge', $2, 'Sign-up credits', null, null, $3, null, $4, null)`,
          [user!.id, input.credits, SIGN_UP_KEY, now],
        );
        if (paid!.outcome !== 'applied') throw new Error(`credits_apply answered ${paid!.outcome} for a new user`);
        balance = Number(paid!.current_balance);
      }
      return {
        user: { id: user!.id, email: user!.email, name: user!.name, externalId: user!.external_id, createdAt: user!.created_at },
        apiKey: { ...apiKey!, userId: apiKey!.user_id, createdAt: apiKey!.created_at, lastUsedAt: null, revokedAt: null, key },
        balance,
      };
    });
  } catch (error) {
    const constraint = (error as { code?: string; constraint?: string }).code === '23505' ? (error as { constraint?: string }).constraint : undefined;
    if (constraint === 'users_email_unique') throw emailTaken(input.email);
    if (constraint === 'users_external_id_unique') throw externalIdTaken(input.externalId!);
    throw error;
  }
}
