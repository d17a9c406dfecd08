import { createUserInput, getUserInput, listUsersInput, user, userPage } from '@credits/contract';
import { createUser, getUser, listUsers } from '../domain/users';
import { publicProcedure } from './init';

export const users = {
  create: publicProcedure
    .input(createUserInput)
    .output(user)
    .mutation(({ ctx, input }) => createUser(ctx.em, input)),
  get: publicProcedure
    .input(getUserInput)
    .output(user)
    .query(({ ctx, input }) => getUser(ctx.em, input.userId)),
  list: publicProcedure
    .input(listUsersInput)
    .output(userPage)
    .query(({ ctx, input }) => listUsers(ctx.em, input)),
};
