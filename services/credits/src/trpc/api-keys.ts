import { apiKey, apiKeyPage, createApiKeyInput, createdApiKey, listApiKeysInput, revokeApiKeyInput } from '@credits/contract';
import { createApiKey, listApiKeys, revokeApiKey } from '../domain/api-keys';
import { adminProcedure } from './init';

export const apiKeys = {
  /** The answer holds the key itself, the only time it is ever shown. */
  create: adminProcedure
    .input(createApiKeyInput)
    .output(createdApiKey)
    .mutation(({ ctx, input }) => createApiKey(ctx.em, input)),
  list: adminProcedure
    .input(listApiKeysInput)
    .output(apiKeyPage)
    .query(({ ctx, input }) => listApiKeys(ctx.em, input)),
  revoke: adminProcedure
    .input(revokeApiKeyInput)
    .output(apiKey)
    .mutation(({ ctx, input }) => revokeApiKey(ctx.em, input.id)),
};
