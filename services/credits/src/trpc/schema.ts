import {
  addColumnInput,
  createTableInput,
  describeTableInput,
  dropColumnInput,
  dropTableInput,
  schemaChangePage,
  schemaChangeResult,
  schemaHistoryInput,
  schemaStatementInput,
  schemaStatementResult,
  tableDescription,
  tableInfo,
} from '@credits/contract';
import { z } from 'zod';
import { principalLabel } from '../auth/principal';
import * as schemaAdmin from '../domain/schema-admin';
import { adminProcedure } from './init';

/** Schema management (admins only): describe anything; create, extend and drop only what is not the service's own. */
export const schema = {
  tables: adminProcedure.output(z.array(tableInfo)).query(({ ctx }) => schemaAdmin.listTables(ctx.em)),
  describe: adminProcedure
    .input(describeTableInput)
    .output(tableDescription)
    .query(({ ctx, input }) => schemaAdmin.describeTable(ctx.em, input.table)),
  reflect: adminProcedure.output(z.array(tableDescription)).query(({ ctx }) => schemaAdmin.reflectSchema(ctx.em)),
  createTable: adminProcedure
    .input(createTableInput)
    .output(schemaChangeResult)
    .mutation(({ ctx, input }) => schemaAdmin.createTable(ctx.em, input, principalLabel(ctx.principal))),
  addColumn: adminProcedure
    .input(addColumnInput)
    .output(schemaChangeResult)
    .mutation(({ ctx, input }) => schemaAdmin.addColumn(ctx.em, input, principalLabel(ctx.principal))),
  dropColumn: adminProcedure
    .input(dropColumnInput)
    .output(schemaChangeResult)
    .mutation(({ ctx, input }) => schemaAdmin.dropColumn(ctx.em, input, principalLabel(ctx.principal))),
  dropTable: adminProcedure
    .input(dropTableInput)
    .output(schemaChangeResult)
    .mutation(({ ctx, input }) => schemaAdmin.dropTable(ctx.em, input, principalLabel(ctx.principal))),
  /** One ALTER TABLE ... ADD COLUMN / DROP COLUMN statement, parsed (never run) and mapped onto addColumn or dropColumn. */
  update: adminProcedure
    .input(schemaStatementInput)
    .output(schemaStatementResult)
    .mutation(({ ctx, input }) => schemaAdmin.applyStatement(ctx.em, input, principalLabel(ctx.principal))),
  /** The audit of every change, newest first. */
  history: adminProcedure
    .input(schemaHistoryInput)
    .output(schemaChangePage)
    .query(({ ctx, input }) => schemaAdmin.schemaHistory(ctx.em, input)),
};
