import { randomUUID } from 'node:crypto';
import type { Logger } from '@credits/runtime';
import type { AuthResult, Authenticate } from '../auth/authenticate';
import type { MikroORM } from '../db/orm';
import type { GrantSettings } from '../domain/grants';
import type { WebhookSettings } from '../config';
import type { EventStream } from '../jobs/event-stream';
import type { GrantRuns } from '../jobs/grant-runs';
import type { Metrics } from '../observability/metrics';
import type { CallRecord } from './observe';

/** What the service hands to every request: long-lived resources, no request state. */
export interface Deps {
  orm: MikroORM;
  log: Logger;
  /** Today, for the daily grant; injected so tests can move it. */
  clock: () => Date;
  grant: GrantSettings;
  /** Grant programs' runs, which outlive the calls that start them. */
  grantRuns: GrantRuns;
  authenticate: Authenticate;
  metrics: Metrics;
  /** The live event stream of this replica (events.onBalance). */
  events: EventStream;
  webhooks: WebhookSettings;
  /** How long a call may take before its statements are cancelled and it answers TIMED_OUT. */
  requestTimeoutMs: number;
}

export interface Context {
  requestId: string;
  deps: Deps;
  log: Logger;
  /** Who is calling, or why nobody is: credentials are checked once per request, before any call. */
  auth: AuthResult;
  /** The REST route that called the procedure (`POST /api/credits/{user_id}/deduct`), for the call's log line. */
  route?: string;
  /**
   * Where an HTTP request collects its calls' log lines, written with its status once its answer
   * is out (http/request-log.ts); without one (in-process callers), a call writes its line at once.
   */
  calls?: CallRecord[];
}

export interface RequestInfo {
  requestId?: string | undefined;
  route?: string;
  calls?: CallRecord[];
}

/** The context of a request without HTTP: tests give the principal directly. */
export function createContextInner(deps: Deps, auth: AuthResult, request: RequestInfo = {}): Context {
  const requestId = request.requestId ?? randomUUID();
  return { deps, auth, ...request, requestId, log: deps.log.child({ requestId }) };
}
