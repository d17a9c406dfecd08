import type { TRPCClient } from '@trpc/client';
import type { inferRouterInputs, inferRouterOutputs } from '@trpc/server';
import type { AppRouter } from './service-types';

type Inputs = inferRouterInputs<AppRouter>['credits'];
type Outputs = inferRouterOutputs<AppRouter>['credits'];

export interface MeterOptions {
  userId: Inputs['hold']['userId'];
  /** What the work may cost at most, held before it starts: a user who cannot cover it is refused (PAYMENT_REQUIRED) before any work. */
  estimate: number;
  /** How long the hold lasts if this process dies mid-work (default 300 s). */
  ttlSeconds?: number | undefined;
  description?: string | undefined;
  /** Makes a retried meter charge once: its hold and its capture are keyed from it. */
  idempotencyKey?: string | undefined;
}

/** What the work reports: what it cost (and the usage record to write with the charge), and anything else it returns. */
export interface MeteredWork {
  amount: number;
  usage?: Inputs['capture']['usage'];
  description?: string | undefined;
}

export interface Metered<W extends MeteredWork> {
  /** What the work returned. */
  result: W;
  /** The consume that charged it, naming its hold. */
  transaction: Outputs['capture'];
}

export type Meter = <W extends MeteredWork>(options: MeterOptions, work: (hold: Outputs['hold']) => Promise<W>) => Promise<Metered<W>>;

/**
 * Holds the estimate, runs the work, captures what it returns (up to the hold, never refused for
 * lack of credit), and releases the hold if the work throws. With an idempotency key a retry
 * charges once: the hold replays, or, if the first one ended unused (expired after a crash, or
 * released), a new one is held; the capture replays if it was made.
 */
export function createMeter(client: TRPCClient<AppRouter>): Meter {
  return async <W extends MeteredWork>(options: MeterOptions, work: (hold: Outputs['hold']) => Promise<W>): Promise<Metered<W>> => {
    const { userId, estimate, ttlSeconds, description, idempotencyKey } = options;
    const holdOnce = (key: string | undefined) =>
      client.credits.hold.mutate({ userId, amount: estimate, ttlSeconds, description, idempotencyKey: key });
    let hold = await holdOnce(idempotencyKey && `${idempotencyKey}:hold`);
    if (hold.replayed && hold.status !== 'active' && hold.status !== 'captured') hold = await holdOnce(`${idempotencyKey}:hold:${hold.holdId}`);
    let result: W;
    try {
      result = (await work(hold)) as W;
    } catch (error) {
      await client.credits.release.mutate({ holdId: hold.holdId }).catch(() => undefined); // the TTL frees it otherwise
      throw error;
    }
    const transaction = await client.credits.capture.mutate({
      holdId: hold.holdId,
      amount: result.amount,
      usage: result.usage,
      description: result.description ?? description,
      idempotencyKey: idempotencyKey && `${idempotencyKey}:capture`,
    });
    return { result, transaction };
  };
}
