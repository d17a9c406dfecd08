import {
  type AddMessageInput,
  type CreateSessionInput,
  type ListSessionsInput,
  type Message,
  type MessagePage,
  type MessagesInput,
  OPEN_SESSION_STATUSES,
  SESSION_TRANSITIONS,
  type Session,
  type SessionPage,
  type SessionStatus,
  sendable,
} from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query } from '../db/sql';
import { DomainError, idempotencyKeyReused, sessionNotFound, userNotFound } from './errors';
import { requestHash } from './idempotency';
import { decodeCursor, toPage } from './pagination';
import { idOrExternalId, resolveUserId } from './users';

/**
 * Sessions and their messages. `owner`, when given, limits every operation to that user's
 * sessions: another user's session is NOT_FOUND, as if it did not exist.
 *
 * Invariant: a session's messageCount, totalTokens and totalCostUsd equal the count and sums of
 * its messages. Adding a message updates the session (which locks its row) and inserts the message
 * in one statement, so concurrent additions to one session queue on that row and none is lost;
 * message ids follow the same order, which is the order `messages` lists them in.
 */

interface SessionRow {
  id: number;
  session_id: string;
  user_id: number;
  title: string | null;
  metadata: Record<string, unknown> | null;
  status: SessionStatus;
  message_count: number;
  total_tokens: string;
  total_cost_usd: string;
  created_at: Date;
  updated_at: Date;
  request_hash: string | null;
}

/** Columns by name, never `*`: an operator's own column could disturb it. */
const SESSION_COLUMNS = `id, session_id, user_id, title, metadata, status, message_count, total_tokens, total_cost_usd, created_at, updated_at, request_hash`;
const MESSAGE_COLUMNS = (alias: string) =>
  ['id', 'role', 'content', 'message_type', 'tokens_used', 'cost_usd', 'created_at', 'request_hash'].map((c) => `${alias}.${c}`).join(', ');

interface MessageRow {
  id: string;
  session_uuid: string;
  role: Message['role'];
  content: string;
  message_type: string;
  tokens_used: number;
  cost_usd: string;
  created_at: Date;
  request_hash: string | null;
}

export async function createSession(em: EntityManager, i: CreateSessionInput): Promise<Session & { replayed: boolean }> {
  const key = i.idempotencyKey ?? null;
  const hash = key === null ? null : requestHash('sessions.create', i.title, i.metadata === undefined ? null : JSON.stringify(i.metadata));
  const [created] = await query<SessionRow>(
    em,
    `insert into sessions (user_id, title, metadata, idempotency_key, request_hash)
     select u.id, $3, $4, $5, $6 from users u where u.id = $1 or u.external_id = $2
     on conflict (user_id, idempotency_key) do nothing
     returning ${SESSION_COLUMNS}`,
    [...idOrExternalId(i.userId), i.title ?? null, i.metadata === undefined ? null : JSON.stringify(i.metadata), key, hash],
  );
  if (created) return { ...toSession(created), replayed: false };
  // Nothing inserted: no such user, or this key was used before (by a retry of this call, or not).
  const userId = await resolveUserId(em, i.userId);
  const [earlier] = await query<SessionRow>(em, `select ${SESSION_COLUMNS} from sessions where user_id = $1 and idempotency_key = $2`, [userId, key]);
  if (!earlier) throw userNotFound(i.userId);
  if (earlier.request_hash !== hash) throw idempotencyKeyReused(key!);
  return { ...toSession(earlier), replayed: true };
}

/** Newest first; `activeOnly` leaves out every status but `active`. */
export async function listSessions(em: EntityManager, i: ListSessionsInput): Promise<SessionPage> {
  const userId = await resolveUserId(em, i.userId);
  const rows = await query<SessionRow>(
    em,
    `select ${SESSION_COLUMNS} from sessions
      where user_id = $1 and (not $2 or status = 'active') and ($3::int is null or id < $3)
      order by id desc limit $4 offset $5`,
    [userId, i.activeOnly, decodeCursor(i.cursor, 'integer'), i.limit + 1, i.offset],
  );
  return toPage(rows.map(toSession), i.limit, (s) => s.id);
}

export async function getSession(em: EntityManager, sessionId: string, owner?: number): Promise<Session> {
  return toSession(await findSession(em, sessionId, owner));
}

async function findSession(em: EntityManager, sessionId: string, owner: number | undefined): Promise<SessionRow> {
  const [row] = await query<SessionRow>(em, `select ${SESSION_COLUMNS} from sessions where session_id = $1 and ($2::int is null or user_id = $2)`, [
    sessionId,
    owner ?? null,
  ]);
  if (!row) throw sessionNotFound(sessionId);
  return row;
}

/**
 * Moves a session along SESSION_TRANSITIONS, in one conditional update (so two concurrent moves
 * cannot both pass the check). The status it already has is accepted and changes nothing.
 */
export async function setSessionStatus(em: EntityManager, sessionId: string, status: SessionStatus, owner?: number): Promise<Session> {
  const from = (Object.keys(SESSION_TRANSITIONS) as SessionStatus[]).filter((s) => s === status || SESSION_TRANSITIONS[s].includes(status));
  const [moved] = await query<SessionRow>(
    em,
    `update sessions set status = $2, updated_at = case when status = $2 then updated_at else now() end
      where session_id = $1 and ($3::int is null or user_id = $3) and status = any($4::text[])
      returning ${SESSION_COLUMNS}`,
    [sessionId, status, owner ?? null, from],
  );
  if (moved) return toSession(moved);
  const current = await findSession(em, sessionId, owner);
  const allowed = SESSION_TRANSITIONS[current.status];
  throw new DomainError(
    'BAD_REQUEST',
    `A ${current.status} session cannot become ${status}${allowed.length ? ` (it can become ${allowed.join(' or ')})` : ` (${current.status} is final)`}`,
    { reason: 'ILLEGAL_TRANSITION', from: current.status, to: status, allowed: [...allowed] },
  );
}

export async function addMessage(em: EntityManager, i: AddMessageInput, owner?: number): Promise<Message & { replayed: boolean }> {
  const key = i.idempotencyKey ?? null;
  const hash = key === null ? null : requestHash('sessions.addMessage', i.role, i.content, i.messageType, i.tokensUsed, i.costUsd);
  try {
    const [added] = await query<MessageRow>(
      em,
      `with session as (
         update sessions
            set message_count = message_count + 1, total_tokens = total_tokens + $6,
                total_cost_usd = total_cost_usd + $7, updated_at = now()
          where session_id = $1 and ($2::int is null or user_id = $2) and status = any($10::text[])
            and ($8::text is null or not exists (
              select 1 from session_messages m where m.session_id = sessions.id and m.idempotency_key = $8))
         returning id, session_id
       )
       insert into session_messages (session_id, role, content, message_type, tokens_used, cost_usd, idempotency_key, request_hash)
       select id, $3, $4, $5, $6, $7, $8, $9 from session
       returning ${MESSAGE_COLUMNS('session_messages')}, (select session_id from session) as session_uuid`,
      [i.sessionId, owner ?? null, i.role, i.content, i.messageType, i.tokensUsed, i.costUsd ?? 0, key, hash, OPEN_SESSION_STATUSES],
    );
    if (added) return { ...toMessage(added), replayed: false };
  } catch (error) {
    // The same key, added at this moment by a concurrent call: its statement won; fall through to it.
    if ((error as { code?: string }).code !== '23505') throw error;
  }
  // Nothing added: no such session, a closed one, or a key used before.
  const session = await findSession(em, i.sessionId, owner);
  if (key !== null) {
    const [earlier] = await query<MessageRow>(
      em,
      `select ${MESSAGE_COLUMNS('m')}, $3::uuid as session_uuid from session_messages m where m.session_id = $1 and m.idempotency_key = $2`,
      [session.id, key, i.sessionId],
    );
    if (earlier) {
      if (earlier.request_hash !== hash) throw idempotencyKeyReused(key);
      return { ...toMessage(earlier), replayed: true };
    }
  }
  throw new DomainError('BAD_REQUEST', `Session ${i.sessionId} is ${session.status}: it takes no more messages`, {
    reason: 'SESSION_CLOSED',
    sessionId: i.sessionId,
    status: session.status,
  });
}

/** Oldest first. */
export async function listMessages(em: EntityManager, i: MessagesInput, owner?: number): Promise<MessagePage> {
  const session = await findSession(em, i.sessionId, owner);
  const rows = await query<MessageRow>(
    em,
    `select ${MESSAGE_COLUMNS('m')}, $4::uuid as session_uuid from session_messages m
      where m.session_id = $1 and ($2::bigint is null or m.id > $2)
      order by m.id limit $3 offset $5`,
    [session.id, decodeCursor(i.cursor, 'bigint'), i.limit + 1, i.sessionId, i.offset],
  );
  return toPage(rows.map(toMessage), i.limit, (m) => m.id);
}

function toSession(row: SessionRow): Session {
  return {
    id: row.id,
    sessionId: row.session_id,
    userId: row.user_id,
    title: row.title,
    metadata: sendable(row.metadata),
    status: row.status,
    messageCount: row.message_count,
    totalTokens: Number(row.total_tokens),
    totalCostUsd: Number(row.total_cost_usd),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function toMessage(row: MessageRow): Message {
  return {
    id: Number(row.id),
    sessionId: row.session_uuid,
    role: row.role,
    content: row.content,
    messageType: row.message_type,
    tokensUsed: row.tokens_used,
    costUsd: Number(row.cost_usd),
    createdAt: row.created_at,
  };
}
