import {
  redeliverInput,
  webhookCreateInput,
  webhookDeliveriesInput,
  webhookDelivery,
  webhookDeliveryPage,
  webhookEndpoint,
  webhookList,
  webhookRef,
  webhookUpdateInput,
  webhookWithSecret,
} from '@credits/contract';
import { z } from 'zod';
import * as webhooks from '../domain/webhooks';
import { adminProcedure } from './init';

export const webhookProcedures = {
  /** A new endpoint and its signing secret, shown this once. */
  create: adminProcedure
    .input(webhookCreateInput)
    .output(webhookWithSecret)
    .mutation(({ ctx, input }) => webhooks.createWebhook(ctx.em, input, ctx.deps.webhooks.allowPrivate)),
  list: adminProcedure.output(webhookList).query(({ ctx }) => webhooks.listWebhooks(ctx.em)),
  update: adminProcedure
    .input(webhookUpdateInput)
    .output(webhookEndpoint)
    .mutation(({ ctx, input }) => webhooks.updateWebhook(ctx.em, input, ctx.deps.webhooks.allowPrivate)),
  remove: adminProcedure
    .input(webhookRef)
    .output(z.object({ endpointId: z.number(), removed: z.literal(true) }))
    .mutation(({ ctx, input }) => webhooks.removeWebhook(ctx.em, input.endpointId)),
  rotateSecret: adminProcedure
    .input(webhookRef)
    .output(webhookWithSecret)
    .mutation(({ ctx, input }) => webhooks.rotateWebhookSecret(ctx.em, input.endpointId)),
  deliveries: adminProcedure
    .input(webhookDeliveriesInput)
    .output(webhookDeliveryPage)
    .query(({ ctx, input }) => webhooks.listDeliveries(ctx.em, input)),
  redeliver: adminProcedure
    .input(redeliverInput)
    .output(webhookDelivery)
    .mutation(({ ctx, input }) => webhooks.redeliver(ctx.em, input.deliveryId)),
};
