import { cancellable } from '../db/cancellable';
import { databaseFailureOf } from '../db/failures';
import { deadlineExceeded } from '../domain/errors';

/** After a deadline's cancel, how long the call may take to report how it ended. */
const CANCEL_GRACE_MS = 1_000;

type Settled = { ok: true } | { ok: false; error: { cause?: unknown } };

/**
 * Every call answers within REQUEST_TIMEOUT_MS (plus the grace). Past it, the statements it is
 * running are cancelled in PostgreSQL, which rolls them back, so the caller is told the truth:
 * nothing was changed, or (when the call ended anyway) its real result.
 */
export async function withinDeadline<R extends Settled>(ms: number, work: () => Promise<R>): Promise<R> {
  const call = cancellable(work);
  const onTime = await settleWithin(call.done, ms);
  if (onTime) return onTime.result;
  await call.cancel();
  const late = await settleWithin(call.done, CANCEL_GRACE_MS);
  if (!late) throw deadlineExceeded(ms, false);
  if (!late.result.ok && databaseFailureOf(late.result.error.cause) === 'timeout') throw deadlineExceeded(ms, true);
  return late.result;
}

async function settleWithin<T>(promise: Promise<T>, ms: number): Promise<{ result: T } | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  try {
    return await Promise.race([promise.then((result) => ({ result })), expired]);
  } finally {
    clearTimeout(timer);
  }
}
