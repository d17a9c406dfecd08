import { createUserInput, getUserInput, listUsersInput, user, userPage } from '@credits/contract';
import { createUser, getUser, listUsers } from '../domain/users';
import { serviceProcedure, userProcedure } from './init';

export const users = {
  create: serviceProcedure
    .input(createUserInput)
    .output(user)
    .mutation(({ ctx, input }) => createUser(ctx.em, input)),
  get: userProcedure(getUserInput)
    .output(user)
    .query(({ ctx, input }) => getUser(ctx.em, input.userId)),
  list: serviceProcedure
    .input(listUsersInput)
    .output(userPage)
    .query(({ ctx, input }) => listUsers(ctx.em, input)),
};
