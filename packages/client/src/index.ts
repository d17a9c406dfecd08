import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from '@credits/service';

export { createCreditsClient, type CreditsClient, type CreditsClientOptions } from './client';
export {
  CreditsError,
  type CreditsErrorWith,
  hasReason,
  isCreditsError,
  isIdempotencyConflict,
  isInsufficientCredits,
  isInvalidInput,
  isUserNotFound,
} from './errors';
export { randomId, type RetryOptions } from './links';
export type { DetailsOf, ErrorCode, ErrorData, ErrorDetails, ErrorReason } from '@credits/contract';
export type { AppRouter };
/** Input and output types of every procedure, e.g. `RouterInputs['credits']['consume']`. */
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;
