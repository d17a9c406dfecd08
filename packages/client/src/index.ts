import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './service-types';

export { createCreditsClient, type CreditsClient } from './client';
export type { CreditsClientOptions } from './options';
export type { Meter, MeterOptions, Metered, MeteredWork } from './meter';
export {
  type ClientErrorCode,
  CreditsError,
  type CreditsErrorWith,
  hasReason,
  isCreditsError,
  isIdempotencyConflict,
  isInsufficientCredits,
  isInvalidInput,
  isUserNotFound,
} from './errors';
export { randomId } from './links';
export { type CreditEvent, type EventType, verifyWebhook, type WebhookEvent, WebhookVerificationError } from './webhooks';
export type { RetryOptions } from './retry';
export type { DetailsOf, ErrorCode, ErrorData, ErrorDetails, ErrorReason } from './service-types';
export type { AppRouter };
/** Input and output types of every procedure, e.g. `RouterInputs['credits']['consume']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
