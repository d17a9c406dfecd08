import { z } from 'zod';
import { usd } from './amount';
import { idempotencyKey, page, pageInput, storableString, text, userRef } from './common';
import { metadata, utf8Bytes } from './json';

/**
 * A session's life: active and paused sessions are open (they take messages); completed and
 * archived ones are closed. Legal moves: active ⇄ paused, either to completed or archived,
 * completed to archived. Archived is final. Setting the status a session already has changes
 * nothing (a retried call succeeds).
 */
export const SESSION_STATUSES = ['active', 'paused', 'completed', 'archived'] as const;
export const sessionStatus = z.enum(SESSION_STATUSES);
export type SessionStatus = z.output<typeof sessionStatus>;
export const OPEN_SESSION_STATUSES: readonly SessionStatus[] = ['active', 'paused'];
export const SESSION_TRANSITIONS: Record<SessionStatus, readonly SessionStatus[]> = {
  active: ['paused', 'completed', 'archived'],
  paused: ['active', 'completed', 'archived'],
  completed: ['archived'],
  archived: [],
};

export const MAX_MESSAGE_BYTES = 65_536;

export const sessionId = z.uuid({ error: 'must be a session id (a UUID)' });

export const createSessionInput = z.object({
  userId: userRef,
  title: text(200).optional(),
  metadata: metadata.optional(),
  idempotencyKey: idempotencyKey.optional(),
});
export type CreateSessionInput = z.output<typeof createSessionInput>;

export const listSessionsInput = z.object({ userId: userRef, activeOnly: z.boolean().default(false), ...pageInput });
export type ListSessionsInput = z.output<typeof listSessionsInput>;

export const sessionRef = z.object({ sessionId });

export const setSessionStatusInput = z.object({ sessionId, status: sessionStatus });

export const addMessageInput = z.object({
  sessionId,
  role: z.enum(['user', 'assistant', 'system', 'tool']),
  content: storableString()
    .min(1)
    .refine((c) => utf8Bytes(c) <= MAX_MESSAGE_BYTES, `must be at most ${MAX_MESSAGE_BYTES} bytes`),
  messageType: text(50).default('chat'),
  tokensUsed: z.number().int().min(0).max(2_147_483_647).default(0),
  costUsd: usd.optional(),
  idempotencyKey: idempotencyKey.optional(),
});
export type AddMessageInput = z.output<typeof addMessageInput>;

export const messagesInput = z.object({ sessionId, ...pageInput });
export type MessagesInput = z.output<typeof messagesInput>;

export const session = z.object({
  /** Our number for the session; `sessionId` is how callers name it. */
  id: z.number(),
  sessionId: z.string(),
  userId: z.number(),
  title: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()).nullable(),
  status: sessionStatus,
  messageCount: z.number(),
  totalTokens: z.number(),
  totalCostUsd: z.number(),
  createdAt: z.date(),
  updatedAt: z.date(),
});
export type Session = z.output<typeof session>;

export const createdSession = session.extend({ replayed: z.boolean() });

export const sessionPage = page(session);
export type SessionPage = z.output<typeof sessionPage>;

export const message = z.object({
  id: z.number(),
  sessionId: z.string(),
  role: z.enum(['user', 'assistant', 'system', 'tool']),
  content: z.string(),
  messageType: z.string(),
  tokensUsed: z.number(),
  costUsd: z.number(),
  createdAt: z.date(),
});
export type Message = z.output<typeof message>;

export const addedMessage = message.extend({ replayed: z.boolean() });

export const messagePage = page(message);
export type MessagePage = z.output<typeof messagePage>;
