import { z } from 'zod';

export const MAX_METADATA_BYTES = 16_384;
export const MAX_METADATA_DEPTH = 5;

export const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

function depth(value: unknown): number {
  if (value === null || typeof value !== 'object') return 0;
  const children = Array.isArray(value) ? value : Object.values(value);
  return 1 + Math.max(0, ...children.map(depth));
}

/** jsonb, like text, cannot hold the NUL character, in a key or in a string. */
function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, child]) => key.includes('\0') || holdsNul(child));
}

/** A JSON value. Declared here, not taken from zod, so that the SDK's types name no zod type. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
const json = z.json() as z.ZodType<Json>;

/** Free-form JSON a caller attaches (an object of JSON values), bounded in size and nesting. */
export const metadata = z
  .record(z.string().max(100), json)
  .refine((m) => depth(m) <= MAX_METADATA_DEPTH, `must not nest deeper than ${MAX_METADATA_DEPTH} levels`)
  .refine((m) => utf8Bytes(JSON.stringify(m)) <= MAX_METADATA_BYTES, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`)
  .refine((m) => !holdsNul(m), 'must not contain the NUL character (U+0000)');
export type Metadata = z.output<typeof metadata>;
