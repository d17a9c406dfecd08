import { apiKey, apiKeyPage, createApiKeyInput, createdApiKey, listApiKeysInput, revokeApiKeyInput, verifyApiKeyInput, type Whoami, whoami } from '@credits/contract';
import type { Principal } from '../auth/principal';
import { createApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys';
import { notAllowed } from '../domain/errors';
import { adminProcedure, authedProcedure, serviceProcedure } from './init';

export const apiKeys = {
  /**
   * The answer holds the key itself, the only time it is ever shown. Admins make any key; a
   * service makes user keys only (its sign-up flow), which reach no further than the service itself.
   */
  create: serviceProcedure
    .input(createApiKeyInput)
    .output(createdApiKey)
    .mutation(({ ctx, input }) => {
      if (ctx.principal.kind !== 'admin' && input.scope !== 'user') throw notAllowed(ctx.principal.kind, `create ${input.scope} keys`);
      return createApiKey(ctx.em, input);
    }),
  list: adminProcedure
    .input(listApiKeysInput)
    .output(apiKeyPage)
    .query(({ ctx, input }) => listApiKeys(ctx.em, input)),
  revoke: adminProcedure
    .input(revokeApiKeyInput)
    .output(apiKey)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.em, input.id)),
  /**
   * Who a credential belongs to, for a service verifying its own callers: their failed attempts
   * are limited by their address, so a flood of bad keys cannot lock the service itself out. A
   * mutation, though it changes nothing but those counts: a credential belongs in a body, never
   * in a URL that proxies and logs keep.
   */
  verify: serviceProcedure
    .input(verifyApiKeyInput)
    .output(whoami)
    .mutation(async ({ ctx, input }) => {
      const auth = await ctx.deps.authenticate({ header: 'authorization', value: input.key }, input.clientAddress);
      if ('error' in auth) throw auth.error;
      return whoamiOf(auth.principal);
    }),
};

export const auth = {
  /** Who the credential of this call belongs to: a service checks its own callers' keys with it. */
  whoami: authedProcedure.output(whoami).query(({ ctx }) => whoamiOf(ctx.principal)),
};

function whoamiOf(p: Principal): Whoami {
  return p.kind === 'user' ? { kind: p.kind, userId: p.userId, externalId: p.externalId } : { kind: p.kind, userId: null, externalId: null };
}
