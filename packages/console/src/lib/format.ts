const credits = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

export const formatCredits = (n: number) => credits.format(n);
/** Times are shown in UTC, as the service's days are UTC days. */
export const formatTime = (d: Date | null) => (d ? `${dateTime.format(d)} UTC` : '—');

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });
const UNITS = [
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
] as const;

/** How far an instant is from `now`, in its largest whole unit: "in 3 days", "5 minutes ago". */
export function formatFromNow(d: Date, now: number): string {
  const s = (d.getTime() - now) / 1000;
  const [unit, size] = UNITS.find(([, size]) => Math.abs(s) >= size) ?? ['second', 1];
  return relative.format(Math.round(s / size), unit);
}

/** YYYY-MM-DD of a UTC day, `n` days before today. */
export const utcDaysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** What a webhook's receiver last said: the error its delivery recorded, or the status it answered. */
export const formatLastAnswer = (d: { lastError: string | null; lastStatus: number | null }) =>
  d.lastError ?? (d.lastStatus === null ? '—' : `answered ${d.lastStatus}`);

/** The message of any failure, for an alert. */
export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
