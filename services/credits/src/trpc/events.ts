import { onBalanceInput } from '@credits/contract';
import { tracked } from '@trpc/server';
import { resolveUserId } from '../domain/users';
import { userProcedure } from './init';

export const events = {
  /**
   * A user's events, live, over SSE: each with its id, so a client that reconnects with
   * `lastEventId` resumes after it, with no gap and no duplicate (older events are read from the
   * ledger). A user principal only for itself.
   */
  onBalance: userProcedure(onBalanceInput).subscription(async function* ({ ctx, input, signal }) {
    const userId = await resolveUserId(ctx.em, input.userId);
    const after = input.lastEventId ? BigInt(input.lastEventId) : null;
    for await (const event of ctx.deps.events.subscribe(userId, after, signal ?? new AbortController().signal)) yield tracked(event.id, event);
  }),
};
