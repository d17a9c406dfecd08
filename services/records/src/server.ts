import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { hasReason, isCreditsError } from '@credits/client';
import { admit, type AttemptLimiter, attemptLimiter, type Logger } from '@credits/runtime';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { z } from 'zod';
import type { Config } from './config';
import { type Credits, creditsUnavailable, NotAUserKey } from './credits';
import type { Dataset } from './dataset';
import { createProbes } from './health';
import { effectiveLimit, LOOKUP_PRICE, queryPrice } from './pricing';

/**
 * Seed 003's endpoints. Charging follows the query: the data is read first, and only a read that
 * succeeded is charged, in the same credits call that writes its usage record (so a failed read,
 * a missing record, a refused charge or a credits outage costs nothing). A caller that sends an
 * `Idempotency-Key` header may retry a request whose answer it lost and be charged once.
 *
 * Each client address has budgets of its own, never shared with anyone else: bad API keys (here,
 * and, through `apiKeys.verify`, in the credits service) and sign-ups.
 */

export interface RecordsDeps {
  config: Config;
  dataset: Dataset;
  credits: Credits;
  /** Its own key for the credits service: /health checks the credits service takes it. */
  creditsKey: string;
  adminKey: string;
  log: Logger;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
  }
}

const wholeNumber = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`);
const filter = z.string().max(200, 'must be at most 200 characters');

const queryParams = z.object({
  limit: wholeNumber(-1_000_000, 1_000_000).optional(),
  offset: wholeNumber(0, 1_000_000).default(0),
  name_like: filter.optional(),
  email_like: filter.optional(),
});

const signupBody = z.object({ name: z.string({ error: 'is required (a string)' }), email: z.string({ error: 'is required (a string)' }) });

/** The request's problems in our words: `limit: must be a whole number; email: is required (a string)`. */
function invalid(error: z.ZodError): HttpError {
  return new HttpError(422, error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
}

/** An Idempotency-Key header the credits service can carry, or undefined. */
function idempotencyKeyOf(req: http.IncomingMessage, prefix: string): string | undefined {
  const sent = req.headers['idempotency-key'];
  return typeof sent === 'string' && /^[\x21-\x7e]{1,200}$/.test(sent) ? `${prefix}:${sent}` : undefined;
}

export function createRecordsServer(deps: RecordsDeps): http.Server {
  const { config, dataset, credits, log } = deps;
  const badKeys = attemptLimiter(new RateLimiterMemory({ points: config.authFailuresPerMinute, duration: 60 }));
  const signups = attemptLimiter(new RateLimiterMemory({ points: config.signupsPerMinute, duration: 60 }));
  const probes = createProbes(config.creditsUrl, deps.creditsKey, dataset);
  const clientOf = (req: http.IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

  async function within(limiter: AttemptLimiter, client: string, what: string): Promise<void> {
    const wait = await limiter.retryAfter(client);
    if (wait > 0) throw new HttpError(429, `Too many ${what} from this address; retry in ${wait} s`, wait);
  }

  /** The credits user behind the request's x-api-key (a user key the sign-up issued). */
  async function caller(req: http.IncomingMessage): Promise<{ userId: number }> {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !key) throw new HttpError(401, 'Missing API key: send it in x-api-key');
    const client = clientOf(req);
    await within(badKeys, client, 'failed attempts');
    try {
      return { userId: await credits.userOf(key, client) };
    } catch (error) {
      if (hasReason(error, 'RATE_LIMITED')) throw new HttpError(429, error.message, error.data.retryAfterSeconds);
      if (error instanceof NotAUserKey || (isCreditsError(error) && error.code === 'UNAUTHORIZED')) {
        await badKeys.record(client);
        throw new HttpError(401, 'Invalid API key');
      }
      throw error;
    }
  }

  /** The charge and the usage record of a request, in one credits call; `credits` 0 records without charging. */
  async function record(
    who: { userId: number },
    entry: { endpoint: string; eventType: string; credits: number; metadata: Record<string, string | number | boolean | null>; idempotencyKey?: string | undefined },
  ) {
    return credits.service.usage.record.mutate({
      userId: who.userId,
      endpoint: entry.endpoint,
      eventType: entry.eventType,
      toolName: 'records',
      creditsCharged: entry.credits,
      charge: entry.credits > 0,
      metadata: entry.metadata,
      ...(entry.idempotencyKey ? { idempotencyKey: entry.idempotencyKey } : {}),
    });
  }

  async function query(req: http.IncomingMessage, url: URL) {
    const who = await caller(req);
    const params = queryParams.safeParse(Object.fromEntries(url.searchParams));
    if (!params.success) throw invalid(params.error);
    const { offset, name_like, email_like } = params.data;
    const limit = effectiveLimit(params.data.limit, config.maxLimit);
    const price = queryPrice(limit, config.creditsPer100);
    const started = performance.now();
    const found = await dataset.search({ limit, offset, nameLike: name_like, emailLike: email_like });
    const ms = Math.round(performance.now() - started);
    const idempotencyKey = idempotencyKeyOf(req, 'records');
    // A retry must send the credits service the very request it sent before, or it is not a
    // replay: the time this attempt took is left out of a keyed request's record.
    const metadata = {
      limit,
      offset,
      name_like: name_like ?? null,
      email_like: email_like ?? null,
      records_returned: found.rows.length,
      ...(idempotencyKey ? {} : { response_time_ms: ms }),
    };
    try {
      await record(who, { endpoint: '/query', eventType: 'records.query', credits: price, metadata, idempotencyKey });
    } catch (error) {
      if (hasReason(error, 'INSUFFICIENT_CREDITS')) {
        // A log of the refused attempt, under no key: the key stays free for a retry after a top-up.
        await record(who, { endpoint: '/query', eventType: 'records.query.refused', credits: 0, metadata }).catch(() => undefined);
        throw new HttpError(402, 'Insufficient Credits');
      }
      throw error;
    }
    return {
      data: found.rows,
      metadata: { total_records: found.total, total_records_capped: found.totalCapped, credits_used: price, response_time_ms: ms },
    };
  }

  async function lookup(req: http.IncomingMessage, key: string) {
    const who = await caller(req);
    const started = performance.now();
    const person = await dataset.byKey(key);
    const idempotencyKey = idempotencyKeyOf(req, 'records');
    const metadata = { canonical_key: key, records_returned: person ? 1 : 0, ...(idempotencyKey ? {} : { response_time_ms: Math.round(performance.now() - started) }) };
    if (!person) {
      await record(who, { endpoint: '/record', eventType: 'records.lookup.missing', credits: 0, metadata });
      throw new HttpError(404, 'Record not found');
    }
    try {
      await record(who, { endpoint: '/record', eventType: 'records.lookup', credits: LOOKUP_PRICE, metadata, idempotencyKey });
    } catch (error) {
      if (hasReason(error, 'INSUFFICIENT_CREDITS')) throw new HttpError(402, 'Insufficient Credits');
      throw error;
    }
    return person;
  }

  /**
   * One credits call makes the user, its key and its 100 credits, all or nothing. Never replayed
   * by email: that would hand out a key to someone else's account. A taken email is 409.
   */
  async function signup(req: http.IncomingMessage) {
    const client = clientOf(req);
    await within(signups, client, 'sign-ups');
    const body = signupBody.safeParse(await readJson(req));
    if (!body.success) throw invalid(body.error);
    await signups.record(client);
    try {
      const made = await credits.service.users.signUp.mutate({ email: body.data.email, name: body.data.name, credits: 100, keyName: 'records sign-up' });
      return { user_id: made.user.id, api_key: made.apiKey.key, credits: made.balance };
    } catch (error) {
      if (hasReason(error, 'EMAIL_TAKEN')) throw new HttpError(409, 'Email already registered');
      if (hasReason(error, 'INVALID_INPUT')) throw new HttpError(422, error.data.issues.map((i) => `${i.path}: ${i.message}`).join('; '));
      throw error;
    }
  }

  async function topup(req: http.IncomingMessage, url: URL) {
    const sent = req.headers['x-admin-key'];
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (typeof sent !== 'string' || !timingSafeEqual(digest(sent), digest(deps.adminKey))) throw new HttpError(401, 'Invalid admin key');
    const email = url.searchParams.get('user_email');
    const amount = Number(url.searchParams.get('amount'));
    if (!email) throw new HttpError(422, 'user_email: is required');
    if (!Number.isFinite(amount) || amount <= 0) throw new HttpError(400, 'Amount must be positive');
    const service = credits.service;
    const idempotencyKey = idempotencyKeyOf(req, 'records-topup');
    let user;
    try {
      [user] = (await service.users.list.query({ email, limit: 1 })).items;
    } catch (error) {
      if (hasReason(error, 'INVALID_INPUT')) throw new HttpError(422, 'user_email: must be a valid email address');
      throw error;
    }
    if (!user) throw new HttpError(404, 'User not found');
    try {
      const tx = await service.credits.recharge.mutate({
        userId: user.id,
        amount,
        description: 'records admin top-up',
        ...(idempotencyKey ? { idempotencyKey } : {}),
      });
      return { message: `Added ${amount} credits`, user_id: user.id, user_email: user.email, new_balance: tx.balanceAfter };
    } catch (error) {
      if (isCreditsError(error) && error.code === 'BAD_REQUEST') throw new HttpError(400, error.message);
      throw error;
    }
  }

  const server = http.createServer((req, res) => {
    const url = URL.parse(req.url ?? '/', 'http://localhost');
    const started = performance.now();
    res.once('finish', () => log.info({ method: req.method, path: url?.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
    // Shutting down: a request on a kept-alive connection is turned away (503), never started.
    if (!admit(server, res)) return;
    // HEAD is GET without the body (Node sends none for HEAD), answered and charged the same.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = `${method} ${url?.pathname}`;
    const handle = async () => {
      if (!url) throw new HttpError(400, 'The request target is not a URL path');
      if (route === 'GET /health') return probes.health();
      if (route === 'GET /ready') {
        const notReady = await probes.notReady();
        if (notReady) throw new HttpError(503, `Not ready: ${notReady}`);
        return { status: 'ready' };
      }
      if (route === 'POST /auth/signup') return signup(req);
      if (route === 'GET /query') return query(req, url);
      if (method === 'GET' && url.pathname.startsWith('/record/')) return lookup(req, pathValue(url.pathname.slice('/record/'.length)));
      if (route === 'POST /admin/topup') return topup(req, url);
      throw new HttpError(404, 'Not Found');
    };
    handle().then(
      (body) => json(res, 200, body),
      (error: unknown) => {
        if (error instanceof HttpError) {
          if (error.retryAfterSeconds !== undefined) res.setHeader('retry-after', String(error.retryAfterSeconds));
          return json(res, error.status, { detail: error.detail });
        }
        if (creditsUnavailable(error)) return json(res, 503, { detail: 'The credits service is unavailable; nothing was charged. Try again.' });
        log.error({ err: error, route }, 'request failed');
        json(res, 500, { detail: 'Internal server error' });
      },
    );
  });
  return server;
}

/** A path segment, decoded; a broken percent-encoding is the caller's mistake, not ours. */
function pathValue(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new HttpError(400, 'The path is not valid percent-encoded UTF-8');
  }
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  let text = '';
  try {
    for await (const chunk of req) {
      text += chunk;
      if (text.length > 100_000) throw new HttpError(413, 'Request body too large');
    }
  } catch (error) {
    throw error instanceof HttpError ? error : new HttpError(400, 'The request body was cut off');
  }
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw new HttpError(422, 'body: must be JSON');
  }
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
