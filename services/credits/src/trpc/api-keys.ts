import { apiKey, apiKeyPage, createApiKeyInput, createdApiKey, listApiKeysInput, revokeApiKeyInput, whoami } from '@credits/contract';
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
};

export const auth = {
  /** Who the credential of this call belongs to: a service checks its own callers' keys with it. */
  whoami: authedProcedure.output(whoami).query(({ ctx }) => {
    const p = ctx.principal;
    return p.kind === 'user' ? { kind: p.kind, userId: p.userId, externalId: p.externalId } : { kind: p.kind, userId: null, externalId: null };
  }),
};
