import {
  addedMessage,
  addMessageInput,
  createdSession,
  createSessionInput,
  listSessionsInput,
  messagePage,
  messagesInput,
  session,
  sessionPage,
  sessionRef,
  setSessionStatusInput,
} from '@credits/contract';
import { onlyUser } from '../auth/principal';
import { addMessage, createSession, getSession, listMessages, listSessions, setSessionStatus } from '../domain/sessions';
import { authedProcedure, userProcedure } from './init';

// Procedures that name a session rather than a user reach only the caller's own sessions when the
// caller is a user (`onlyUser`): another user's session is NOT_FOUND.
export const sessions = {
  create: userProcedure(createSessionInput)
    .output(createdSession)
    .mutation(({ ctx, input }) => createSession(ctx.em, input)),
  list: userProcedure(listSessionsInput)
    .output(sessionPage)
    .query(({ ctx, input }) => listSessions(ctx.em, input)),
  get: authedProcedure
    .input(sessionRef)
    .output(session)
    .query(({ ctx, input }) => getSession(ctx.em, input.sessionId, onlyUser(ctx.principal))),
  setStatus: authedProcedure
    .input(setSessionStatusInput)
    .output(session)
    .mutation(({ ctx, input }) => setSessionStatus(ctx.em, input.sessionId, input.status, onlyUser(ctx.principal))),
  addMessage: authedProcedure
    .input(addMessageInput)
    .output(addedMessage)
    .mutation(({ ctx, input }) => addMessage(ctx.em, input, onlyUser(ctx.principal))),
  messages: authedProcedure
    .input(messagesInput)
    .output(messagePage)
    .query(({ ctx, input }) => listMessages(ctx.em, input, onlyUser(ctx.principal))),
};
