import { useQuery } from '@tanstack/react-query';
import { useSession } from './api';
import { queries } from './queries';

/** How often the balance is read again while a page shows it. */
const BALANCE_POLL_MS = 2_000;

/**
 * A user's balance, kept current while shown. Today by polling `credits.balance`; the one place to
 * swap for the balance stream (`events.onBalance`) once the service has it: callers see the same
 * query result either way.
 */
export function useLiveBalance(userId: number) {
  const { client } = useSession();
  return useQuery({ ...queries(client).balance(userId), refetchInterval: BALANCE_POLL_MS });
}
