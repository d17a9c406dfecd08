import { createUserInput, getUserInput, listUsersInput, signedUp, signUpInput, user, userPage } from '@credits/contract';
import { principalLabel } from '../auth/principal';
import { signUp } from '../domain/sign-up';
import { createUser, getUser, listUsers } from '../domain/users';
import { serviceProcedure, userProcedure } from './init';

export const users = {
  create: serviceProcedure
    .input(createUserInput)
    .output(user)
    .mutation(({ ctx, input }) => createUser(ctx.em, input, principalLabel(ctx.principal))),
  get: userProcedure(getUserInput)
    .output(user)
    .query(({ ctx, input }) => getUser(ctx.em, input.userId)),
  list: serviceProcedure
    .input(listUsersInput)
    .output(userPage)
    .query(({ ctx, input }) => listUsers(ctx.em, input)),
  /** A user with its first key and credits, all or nothing (a sign-up form's back end). */
  signUp: serviceProcedure
    .input(signUpInput)
    .output(signedUp)
    .mutation(({ ctx, input }) => signUp(ctx.em, input, ctx.deps.clock())),
};
