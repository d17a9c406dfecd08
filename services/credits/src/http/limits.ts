/** Request bodies above this are refused (413) before any parsing, on every surface. */
export const MAX_BODY_BYTES = 1_000_000;

/** Calls in one tRPC batch request. */
export const MAX_BATCH = 100;
