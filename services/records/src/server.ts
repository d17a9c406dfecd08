import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import { hasReason, isCreditsError } from '@credits/client';
import { admit, type Logger } from '@credits/runtime';
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
  ) {
    super(detail);
  }
}

const queryParams = z.object({
  limit: z.coerce.number().int().optional(),
  offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  name_like: z.string().max(200).optional(),
  email_like: z.string().max(200).optional(),
});

export function createRecordsServer(deps: RecordsDeps): http.Server {
  const { config, dataset, credits, log } = deps;
  const probes = createProbes(config.creditsUrl, deps.creditsKey, dataset);

  /** The credits user behind the request's x-api-key (a user key the sign-up issued). */
  async function caller(req: http.IncomingMessage): Promise<{ key: string; userId: number }> {
    const key = req.headers['x-api-key'];
    if (typeof key !== 'string' || !key) throw new HttpError(401, 'Missing API key: send it in x-api-key');
    try {
      return { key, userId: await credits.userOf(key) };
    } catch (error) {
      if (error instanceof NotAUserKey || (isCreditsError(error) && error.code === 'UNAUTHORIZED')) throw new HttpError(401, 'Invalid API key');
      throw error;
    }
  }

  /** The charge and the usage record of a request, in one credits call; `credits` 0 records without charging. */
  async function record(
    who: { key: string; userId: number },
    req: http.IncomingMessage,
    entry: { endpoint: string; eventType: string; credits: number; metadata: Record<string, string | number | boolean | null> },
  ) {
    const idempotency = req.headers['idempotency-key'];
    return credits.asUser(who.key).usage.record.mutate({
      userId: who.userId,
      endpoint: entry.endpoint,
      eventType: entry.eventType,
      toolName: 'records',
      creditsCharged: entry.credits,
      charge: entry.credits > 0,
      metadata: entry.metadata,
      ...(typeof idempotency === 'string' && /^[\x21-\x7e]{1,200}$/.test(idempotency) ? { idempotencyKey: `records:${idempotency}` } : {}),
    });
  }

  async function query(req: http.IncomingMessage, url: URL) {
    const who = await caller(req);
    const params = queryParams.safeParse(Object.fromEntries(url.searchParams));
    if (!params.success) throw new HttpError(422, params.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; '));
    const { offset, name_like, email_like } = params.data;
    const limit = effectiveLimit(params.data.limit, config.maxLimit);
    const price = queryPrice(limit, config.creditsPer100);
    const started = performance.now();
    const found = await dataset.search({ limit, offset, nameLike: name_like, emailLike: email_like });
    const ms = Math.round(performance.now() - started);
    const metadata = { limit, offset, name_like: name_like ?? null, email_like: email_like ?? null, records_returned: found.rows.length, response_time_ms: ms };
    try {
      await record(who, req, { endpoint: '/query', eventType: 'records.query', credits: price, metadata });
    } catch (error) {
      if (hasReason(error, 'INSUFFICIENT_CREDITS')) {
        await record(who, req, { endpoint: '/query', eventType: 'records.query.refused', credits: 0, metadata }).catch(() => undefined);
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
    const metadata = { canonical_key: key, records_returned: person ? 1 : 0, response_time_ms: Math.round(performance.now() - started) };
    if (!person) {
      await record(who, req, { endpoint: '/record', eventType: 'records.lookup.missing', credits: 0, metadata });
      throw new HttpError(404, 'Record not found');
    }
    try {
      await record(who, req, { endpoint: '/record', eventType: 'records.lookup', credits: LOOKUP_PRICE, metadata });
    } catch (error) {
      if (hasReason(error, 'INSUFFICIENT_CREDITS')) throw new HttpError(402, 'Insufficient Credits');
      throw error;
    }
    return person;
  }

  async function signup(req: http.IncomingMessage) {
    const body = z.object({ name: z.string(), email: z.string() }).safeParse(await readJson(req));
    if (!body.success) throw new HttpError(422, 'name and email are required strings');
    const service = await credits.service();
    let user;
    try {
      // No idempotency key on purpose: replaying a sign-up by email would hand out a key for
      // someone else's account. A taken email is a 409, whoever asks.
      user = await service.users.create.mutate({ email: body.data.email, name: body.data.name });
    } catch (error) {
      if (hasReason(error, 'EMAIL_TAKEN')) throw new HttpError(409, 'Email already registered');
      if (isCreditsError(error) && error.code === 'BAD_REQUEST') throw new HttpError(422, error.message);
      throw error;
    }
    const key = await service.apiKeys.create.mutate({ name: 'records sign-up', scope: 'user', userId: user.id });
    const recharge = await service.credits.recharge.mutate({
      userId: user.id,
      amount: 100,
      description: 'records sign-up credits',
      idempotencyKey: `records-signup:${user.id}`,
    });
    return { user_id: user.id, api_key: key.key, credits: recharge.balanceAfter };
  }

  async function topup(req: http.IncomingMessage, url: URL) {
    const sent = req.headers['x-admin-key'];
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (typeof sent !== 'string' || !timingSafeEqual(digest(sent), digest(deps.adminKey))) throw new HttpError(401, 'Invalid admin key');
    const email = url.searchParams.get('user_email');
    const amount = Number(url.searchParams.get('amount'));
    if (!email) throw new HttpError(422, 'user_email is required');
    if (!Number.isFinite(amount) || amount <= 0) throw new HttpError(400, 'Amount must be positive');
    const service = await credits.service();
    const user = (await service.users.list.query({ search: email, limit: 200 })).items.find((u) => u.email === email.trim().toLowerCase());
    if (!user) throw new HttpError(404, 'User not found');
    const idempotency = req.headers['idempotency-key'];
    try {
      const tx = await service.credits.recharge.mutate({
        userId: user.id,
        amount,
        description: 'records admin top-up',
        ...(typeof idempotency === 'string' && /^[\x21-\x7e]{1,200}$/.test(idempotency) ? { idempotencyKey: `records-topup:${idempotency}` } : {}),
      });
      return { message: `Added ${amount} credits`, user_id: user.id, user_email: user.email, new_balance: tx.balanceAfter };
    } catch (error) {
      if (isCreditsError(error) && error.code === 'BAD_REQUEST') throw new HttpError(400, error.message);
      throw error;
    }
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const started = performance.now();
    res.once('finish', () => log.info({ method: req.method, url: req.url, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'request'));
    // Shutting down: a request on a kept-alive connection is turned away (503), never started.
    if (!admit(server, res)) return;
    // HEAD is GET without the body (Node sends none for HEAD), answered and charged the same.
    const method = req.method === 'HEAD' ? 'GET' : req.method;
    const route = `${method} ${url.pathname}`;
    const handle = async () => {
      if (route === 'GET /health') return probes.health();
      if (route === 'GET /ready') {
        const notReady = await probes.notReady();
        if (notReady) throw new HttpError(503, `Not ready: ${notReady}`);
        return { status: 'ready' };
      }
      if (route === 'POST /auth/signup') return signup(req);
      if (route === 'GET /query') return query(req, url);
      if (method === 'GET' && url.pathname.startsWith('/record/')) return lookup(req, decodeURIComponent(url.pathname.slice('/record/'.length)));
      if (route === 'POST /admin/topup') return topup(req, url);
      throw new HttpError(404, 'Not Found');
    };
    handle().then(
      (body) => json(res, 200, body),
      (error: unknown) => {
        if (error instanceof HttpError) return json(res, error.status, { detail: error.detail });
        if (creditsUnavailable(error)) return json(res, 503, { detail: 'The credits service is unavailable; nothing was charged. Try again.' });
        log.error({ err: error, route }, 'request failed');
        json(res, 500, { detail: 'Internal server error' });
      },
    );
  });
  return server;
}

async function readJson(req: http.IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) {
    text += chunk;
    if (text.length > 100_000) throw new HttpError(413, 'Request body too large');
  }
  try {
    return JSON.parse(text || '{}');
  } catch {
    throw new HttpError(422, 'The body must be JSON');
  }
}

function json(res: http.ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
