import { createUserInput, getUserInput, listUsersInput, user, userPage } from '@credits/contract';
import { principalLabel } from '../auth/principal';
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
};
