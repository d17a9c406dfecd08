import type http from 'node:http';
import type { Logger } from '@credits/runtime';
import type { CallRecord } from '../trpc/observe';

/**
 * One log line per call, written when the HTTP answer is out, so it carries both the call's
 * facts (procedure, principal, outcome, reason, its ms) and the request's (method, path, status,
 * the request's ms). A request that called no procedure (health, docs, a 401 before any call)
 * still gets its one line. The calls of a request are collected here while it runs.
 */
const collected = new WeakMap<http.IncomingMessage, CallRecord[]>();

/** Where the calls of `req` are collected (made on first use). */
export function callsOf(req: http.IncomingMessage): CallRecord[] {
  let calls = collected.get(req);
  if (!calls) {
    calls = [];
    collected.set(req, calls);
  }
  return calls;
}

export interface RequestFacts {
  requestId: string;
  method: string | undefined;
  path: string | undefined;
  status: number;
  /** The whole request, from its first byte read to its answer written. */
  requestMs: number;
}

export function logRequest(log: Logger, req: http.IncomingMessage, facts: RequestFacts): void {
  const calls = collected.get(req) ?? [];
  if (calls.length === 0) return void log.info(facts, 'request');
  for (const call of calls) {
    const line = { ...facts, ...call };
    if (call.outcome === 'INTERNAL_SERVER_ERROR') log.error(line, 'call');
    else log.info(line, 'call');
  }
}
