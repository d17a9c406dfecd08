import type { RouterOutputs } from '@credits/client';
import { formatCredits, formatFromNow, formatTime } from '../lib/format';
import { PALETTE } from './chart';

export type Bucket = RouterOutputs['credits']['buckets']['items'][number];

interface Expiry {
  at: Date;
  amount: number;
  buckets: Bucket[];
}

/** The credits of the balance (buckets in effect, not yet expired) by the instant they expire, soonest first. */
function expiriesOf(buckets: Bucket[], now: number): Expiry[] {
  const byInstant = new Map<number, Expiry>();
  for (const b of buckets) {
    if (!b.expiresAt || b.remaining <= 0 || b.effectiveAt.getTime() > now || b.expiresAt.getTime() <= now) continue;
    const expiry = byInstant.get(b.expiresAt.getTime()) ?? { at: b.expiresAt, amount: 0, buckets: [] };
    expiry.amount += b.remaining;
    expiry.buckets.push(b);
    byInstant.set(b.expiresAt.getTime(), expiry);
  }
  return [...byInstant.values()].sort((a, b) => a.at.getTime() - b.at.getTime());
}

// The drawing's own units; the SVG scales to the page's width.
const W = 800;
const AXIS_Y = 96;
const LEFT = 44;
const RIGHT = W - 44;
const BAR_MAX = 70;
const LABEL_GAP = 40;

/**
 * What of the balance expires when: each expiry as a bar at its instant on a line from now to the
 * last one, its height the credits that go then. The list under it says the same in words (the
 * drawing is hidden from screen readers, which read the list).
 */
export function ExpiryTimeline({ buckets, now }: { buckets: Bucket[]; now: number }) {
  const expiries = expiriesOf(buckets, now);
  const lasting = buckets.filter((b) => !b.expiresAt && b.remaining > 0 && b.effectiveAt.getTime() <= now).reduce((sum, b) => sum + b.remaining, 0);
  const span = Math.max(1, (expiries.at(-1)?.at.getTime() ?? now) - now);
  const largest = Math.max(...expiries.map((e) => e.amount));
  const x = (at: Date) => LEFT + ((at.getTime() - now) / span) * (RIGHT - LEFT);

  return (
    <figure className="timeline" data-testid="expiry-timeline">
      <figcaption>When credits expire</figcaption>
      {expiries.length === 0 ? (
        <p className="muted">No credits of the balance expire.</p>
      ) : (
        <>
          <svg viewBox={`0 0 ${W} 120`} aria-hidden="true" focusable="false">
            <line x1={LEFT} x2={RIGHT} y1={AXIS_Y} y2={AXIS_Y} stroke="#333" />
            <text x={LEFT} y={AXIS_Y + 18} textAnchor="middle">
              now
            </text>
            <text x={RIGHT} y={AXIS_Y + 18} textAnchor="end">
              {formatTime(expiries.at(-1)!.at)}
            </text>
            {expiries.map((e, i) => {
              const height = Math.max(3, (e.amount / largest) * BAR_MAX);
              // A bar close behind the one before goes unlabelled rather than overprinting it.
              const labelled = i === 0 || x(e.at) - x(expiries[i - 1]!.at) >= LABEL_GAP;
              return (
                <g key={e.at.getTime()}>
                  <rect x={x(e.at) - 5} y={AXIS_Y - height} width={10} height={height} fill={PALETTE[4]} />
                  {labelled && (
                    <text x={x(e.at)} y={AXIS_Y - height - 5} textAnchor="middle">
                      {formatCredits(e.amount)}
                    </text>
                  )}
                </g>
              );
            })}
          </svg>
          <ol className="expiries">
            {expiries.map((e) => (
              <li key={e.at.getTime()}>
                <strong>{formatCredits(e.amount)}</strong> credits expire <time dateTime={e.at.toISOString()}>{formatTime(e.at)}</time> ({formatFromNow(e.at, now)}), from{' '}
                {e.buckets.map((b) => `bucket #${b.id} (${b.category})`).join(', ')}
              </li>
            ))}
          </ol>
        </>
      )}
      {lasting > 0 && <p className="muted small">{formatCredits(lasting)} credits never expire.</p>}
    </figure>
  );
}
