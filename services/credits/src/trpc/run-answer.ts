/**
 * How long a call that starts a grant run waits for its end before answering with its progress:
 * most of the call's deadline, leaving time to answer before the deadline cancels the call.
 */
export const runAnswerMs = (requestTimeoutMs: number) => Math.max(requestTimeoutMs - 1_000, requestTimeoutMs / 2);
