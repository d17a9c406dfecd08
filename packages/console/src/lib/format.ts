const credits = new Intl.NumberFormat('en-US', { maximumFractionDigits: 4 });
const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' });

export const formatCredits = (n: number) => credits.format(n);
/** Times are shown in UTC, as the service's days are UTC days. */
export const formatTime = (d: Date | null) => (d ? `${dateTime.format(d)} UTC` : '—');

/** YYYY-MM-DD of a UTC day, `n` days before today. */
export const utcDaysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);

/** The message of any failure, for an alert. */
export const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));
