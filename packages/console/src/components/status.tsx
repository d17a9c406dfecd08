import { errorText } from '../lib/format';

/** What a query shows while it loads or when it failed. */
export function QueryStatus({ query, what }: { query: { isPending: boolean; error: unknown }; what: string }) {
  if (query.error) return <p role="alert" className="error">Could not load {what}: {errorText(query.error)}</p>;
  if (query.isPending) return <p className="muted">Loading {what}…</p>;
  return null;
}
