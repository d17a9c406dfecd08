import { z } from 'zod';
import { unstorable } from './common';

export const MAX_METADATA_BYTES = 16_384;
export const MAX_METADATA_DEPTH = 5;
export const MAX_METADATA_KEY_LENGTH = 100;

export const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * Keys that the wire format (superjson) refuses to send back, as a prototype-pollution guard: an
 * object holding one could be stored but never listed again.
 */
export const UNSENDABLE_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A JSON value. Declared here, not taken from zod, so that the SDK's types name no zod type. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && [Object.prototype, null].includes(Object.getPrototypeOf(value));

/**
 * The first reason `root` is not metadata we can store in jsonb and send back, or undefined.
 * Walked with a stack of its own, never by recursion, and never below MAX_METADATA_DEPTH: input
 * nested 50,000 levels deep, or made cyclic by the wire format's references, is refused here
 * rather than running the process out of stack.
 */
function problemIn(root: Record<string, unknown>): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === 'string') {
      const problem = unstorable(value);
      if (problem) return problem;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return 'must hold only finite numbers';
    } else if (value !== null && typeof value !== 'boolean') {
      if (depth > MAX_METADATA_DEPTH) return `must not nest deeper than ${MAX_METADATA_DEPTH} levels`;
      if (Array.isArray(value)) {
        for (const child of value) pending.push({ value: child, depth: depth + 1 });
      } else if (isPlainObject(value)) {
        for (const [key, child] of Object.entries(value)) {
          if (UNSENDABLE_KEYS.has(key)) return `must not use the key "${key}"`;
          if (key.length > MAX_METADATA_KEY_LENGTH) return `must not have keys longer than ${MAX_METADATA_KEY_LENGTH} characters`;
          const problem = unstorable(key);
          if (problem) return problem;
          pending.push({ value: child, depth: depth + 1 });
        }
      } else {
        return 'must hold only JSON values';
      }
    }
  }
  return undefined;
}

/**
 * Any value, typed as JSON once parsed: what it really holds is for `problemIn` to say, without
 * recursion. (Its input type stays `unknown`, so that no type of the router names `Json`.)
 */
const anyJson = z.unknown() as z.ZodType<Json>;

/** Free-form JSON a caller attaches (an object of JSON values), bounded in size and nesting. */
export const metadata = z
  .record(z.string(), anyJson, { error: 'must be a record' })
  .check((ctx) => {
    const problem = problemIn(ctx.value) ?? (utf8Bytes(JSON.stringify(ctx.value)) > MAX_METADATA_BYTES ? `must be at most ${MAX_METADATA_BYTES} bytes as JSON` : undefined);
    if (problem) ctx.issues.push({ code: 'custom', message: problem, input: ctx.value });
  });
export type Metadata = z.output<typeof metadata>;

/**
 * Metadata as stored, made safe to send: keys the wire format refuses are left out. Only data
 * stored before they were refused can hold them; a read must not fail on it.
 */
export function sendable(value: Record<string, unknown> | null): Record<string, unknown> | null {
  if (value === null) return null;
  const clean = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(clean);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).flatMap(([k, child]) => (UNSENDABLE_KEYS.has(k) ? [] : [[k, clean(child)]])));
  };
  return clean(value) as Record<string, unknown>;
}
