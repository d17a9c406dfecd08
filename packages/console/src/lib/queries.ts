import type { CreditsClient, RouterInputs } from '@credits/client';
import { queryOptions } from '@tanstack/react-query';

type In = RouterInputs;

/**
 * Every read the console makes, as TanStack Query options around the SDK's typed client: the key
 * names the procedure and its input, so a mutation invalidates by procedure (`['credits.balance']`).
 */
export function queries(c: CreditsClient) {
  return {
    overview: (i: In['stats']['overview']) => queryOptions({ queryKey: ['stats.overview', i], queryFn: () => c.stats.overview.query(i) }),
    grantRuns: (i: In['grants']['status']) => queryOptions({ queryKey: ['grants.status', i], queryFn: () => c.grants.status.query(i) }),
    users: (i: In['users']['list']) => queryOptions({ queryKey: ['users.list', i], queryFn: () => c.users.list.query(i) }),
    user: (userId: number) => queryOptions({ queryKey: ['users.get', userId], queryFn: () => c.users.get.query({ userId }) }),
    balance: (userId: number) => queryOptions({ queryKey: ['credits.balance', userId], queryFn: () => c.credits.balance.query({ userId }) }),
    buckets: (i: In['credits']['buckets']) => queryOptions({ queryKey: ['credits.buckets', i], queryFn: () => c.credits.buckets.query(i) }),
    transactions: (i: In['credits']['transactions']) =>
      queryOptions({ queryKey: ['credits.transactions', i], queryFn: () => c.credits.transactions.query(i) }),
    holds: (i: In['credits']['holds']) => queryOptions({ queryKey: ['credits.holds', i], queryFn: () => c.credits.holds.query(i) }),
    usageStats: (i: In['usage']['stats']) => queryOptions({ queryKey: ['usage.stats', i], queryFn: () => c.usage.stats.query(i) }),
    sessions: (i: In['sessions']['list']) => queryOptions({ queryKey: ['sessions.list', i], queryFn: () => c.sessions.list.query(i) }),
    messages: (i: In['sessions']['messages']) => queryOptions({ queryKey: ['sessions.messages', i], queryFn: () => c.sessions.messages.query(i) }),
    programs: () => queryOptions({ queryKey: ['programs.list'], queryFn: () => c.programs.list.query() }),
    apiKeys: (i: In['apiKeys']['list']) => queryOptions({ queryKey: ['apiKeys.list', i], queryFn: () => c.apiKeys.list.query(i) }),
    schemaHistory: (i: In['schema']['history']) => queryOptions({ queryKey: ['schema.history', i], queryFn: () => c.schema.history.query(i) }),
    webhooks: () => queryOptions({ queryKey: ['webhooks.list'], queryFn: () => c.webhooks.list.query() }),
    deliveries: (i: In['webhooks']['deliveries']) => queryOptions({ queryKey: ['webhooks.deliveries', i], queryFn: () => c.webhooks.deliveries.query(i) }),
  };
}
