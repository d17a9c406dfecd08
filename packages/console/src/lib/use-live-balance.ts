import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef } from 'react';
import { useSession } from './api';
import { queries } from './queries';

/** How often the balance is read again while a page shows it. */
const BALANCE_POLL_MS = 2_000;

/** What a balance is made of: read again when it moves. */
const FOLLOWERS = ['credits.buckets', 'credits.transactions'];

/**
 * A user's balance, kept current while shown. Today by polling `credits.balance`; the one place to
 * swap for the balance stream (`events.onBalance`) once the service has it: callers see the same
 * query result either way. When it moves (a change made elsewhere, credits expiring), the user's
 * buckets and ledger are read again too.
 */
export function useLiveBalance(userId: number) {
  const { client } = useSession();
  const queryClient = useQueryClient();
  const balance = useQuery({ ...queries(client).balance(userId), refetchInterval: BALANCE_POLL_MS });
  const version = balance.data ? `${balance.data.balance} ${balance.data.updatedAt.getTime()}` : undefined;
  const seen = useRef(version);
  useEffect(() => {
    if (version === undefined || version === seen.current) return;
    if (seen.current !== undefined) for (const key of FOLLOWERS) void queryClient.invalidateQueries({ queryKey: [key, { userId }] });
    seen.current = version;
  }, [version, userId, queryClient]);
  return balance;
}
