import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useSession } from './api';
import { queries } from './queries';

/**
 * A slow read besides the stream: a bucket's expiry changes what is available with no ledger row
 * (the row comes with the user's next change), so no event says so.
 */
const BALANCE_REFRESH_MS = 30_000;

/** What a balance is made of, and what its changes are counted in: read again when it moves. */
const FOLLOWERS = ['credits.buckets', 'credits.transactions', 'credits.holds', 'usage.stats'];

/**
 * A user's balance, kept current while shown through the balance stream (`events.onBalance`, the
 * SDK's subscription over SSE, which reconnects by itself and resumes where it stopped): each
 * committed change of the user reads the balance, its buckets, holds, ledger and usage again.
 */
export function useLiveBalance(userId: number) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  useEffect(() => {
    const subscription = client.events.onBalance.subscribe(
      { userId },
      {
        onData: () => {
          void queryClient.invalidateQueries({ queryKey: queries(client).balance(userId).queryKey });
          for (const key of FOLLOWERS) void queryClient.invalidateQueries({ queryKey: [key, { userId }] });
        },
      },
    );
    return () => subscription.unsubscribe();
  }, [client, userId, queryClient]);
  return useQuery({ ...queries(client).balance(userId), refetchInterval: BALANCE_REFRESH_MS });
}
