import {
  type AddColumnInput,
  addColumnInput,
  type ColumnDefinition,
  type ColumnInfo,
  type CreateTableInput,
  type DropColumnInput,
  dropColumnInput,
  type DropTableInput,
  type SchemaChangePage,
  type SchemaChangeResult,
  type SchemaStatementInput,
  type SchemaStatementResult,
  type TableDescription,
} from '@credits/contract';
import type { EntityManager } from '../db/orm';
import { query, transaction } from '../db/sql';
import { declaredComment, declaredFrom, defaultLiteral, mysqlType, parseColumnType } from './column-types';
import { badRequest, DomainError } from './errors';
import { decodeCursor, toPage } from './pagination';
import { parseSchemaStatement } from './schema-statement';

/**
 * Schema management (seeds 000 and 002), safe by construction:
 * - names are checked (contract) and then always written quoted; a type is never the caller's
 *   text but our spelling of an allowlisted type; a default is checked against its type and
 *   written as a typed literal (column-types.ts);
 * - the service's own tables and columns (its entities', and the migrations table) can be
 *   described and may gain nullable or defaulted columns, but none can be dropped;
 * - each change runs in one transaction with a short lock_timeout, so DDL waiting on a busy table
 *   fails fast instead of queueing every consume behind it, and is audited in schema_changes in
 *   that same transaction.
 */

/** How long a change may wait for its table's lock before giving up. */
const LOCK_TIMEOUT_MS = 500;

const quote = (name: string) => `"${name}"`; // names are checked identifiers: no quote can occur in them

/**
 * The service's own tables and their columns, from the ORM's metadata: protected from change.
 * The tables that are no entity (the migrators', the failed-attempt counts) are protected with
 * every column of theirs (`all`).
 */
const OWN_TABLES_BESIDES_ENTITIES = ['mikro_orm_migrations', 'repeatable_migrations', 'auth_failures'];

function ownSchema(em: EntityManager): Map<string, Set<string> | 'all'> {
  const own = new Map<string, Set<string> | 'all'>(OWN_TABLES_BESIDES_ENTITIES.map((table) => [table, 'all']));
  for (const meta of em.getMetadata().getAll().values()) {
    if (!meta.tableName) continue;
    const columns = new Set<string>();
    for (const prop of Object.values(meta.properties)) for (const field of prop.fieldNames ?? []) columns.add(field);
    own.set(meta.tableName, columns);
  }
  return own;
}

interface ColumnRow {
  table_name: string;
  name: string;
  type: string;
  comment: string | null;
  nullable: boolean;
  default: string | null;
  extra: string;
  key: 'PRI' | 'UNI' | '';
}

const COLUMNS = `
  select c.relname as table_name, a.attname as name, format_type(a.atttypid, a.atttypmod) as type, col_description(c.oid, a.attnum) as comment,
         not a.attnotnull as nullable, pg_get_expr(d.adbin, d.adrelid) as default,
         case when a.attidentity <> '' or pg_get_expr(d.adbin, d.adrelid) like 'nextval(%' then 'auto_increment' else '' end as extra,
         case when exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisprimary and a.attnum = any(i.indkey)) then 'PRI'
              when exists (select 1 from pg_index i where i.indrelid = c.oid and i.indisunique and i.indnatts = 1 and a.attnum = any(i.indkey)) then 'UNI'
              else '' end as key
    from pg_class c
    join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
    left join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
   where n.nspname = current_schema() and c.relkind in ('r', 'p') and ($1::text is null or c.relname = $1)
   order by c.relname, a.attnum`;

export async function listTables(em: EntityManager): Promise<{ name: string; protected: boolean }[]> {
  const own = ownSchema(em);
  const rows = await query<{ name: string }>(
    em,
    `select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p') order by 1`,
    [],
  );
  return rows.map((r) => ({ name: r.name, protected: own.has(r.name) }));
}

export async function describeTable(em: EntityManager, table: string): Promise<TableDescription> {
  const [description] = await describe(em, table);
  if (!description) throw tableNotFound(table);
  return description;
}

/** Every table, described. */
export const reflectSchema = (em: EntityManager) => describe(em, null);

async function describe(em: EntityManager, table: string | null): Promise<TableDescription[]> {
  const own = ownSchema(em);
  const tables = new Map<string, ColumnInfo[]>();
  for (const row of await query<ColumnRow>(em, COLUMNS, [table])) {
    const columns = tables.get(row.table_name) ?? [];
    const { table_name: _, comment, ...column } = row;
    const ownColumns = own.get(row.table_name);
    // An auto_increment column's default is its sequence: the seed shows null and says so in `extra`.
    const shown = column.extra === 'auto_increment' ? null : shownDefault(column.default);
    columns.push({
      ...column,
      mysqlType: mysqlType(column.type, declaredFrom(comment)),
      default: shown,
      protected: ownColumns === 'all' || (ownColumns?.has(row.name) ?? false),
    });
    tables.set(row.table_name, columns);
  }
  return [...tables].map(([name, columns]) => ({ table: name, protected: own.has(name), columns }));
}

/** A default as the seed showed them: a literal's value ('free'::text is free, 0.00::numeric is 0.00), an expression as is. */
function shownDefault(expression: string | null): string | null {
  if (expression === null) return null;
  const text = /^'((?:[^']|'')*)'::[a-z][a-z0-9 (),]*$/.exec(expression);
  if (text) return text[1]!.replaceAll("''", "'");
  const number = /^\(?(-?\d+(?:\.\d+)?)\)?::[a-z][a-z0-9 (),]*$/.exec(expression);
  return number ? number[1]! : expression;
}

export async function createTable(em: EntityManager, i: CreateTableInput, by: string): Promise<SchemaChangeResult> {
  const names = i.columns.map((c) => c.name);
  const repeated = names.find((n, index) => names.indexOf(n) !== index);
  if (repeated) throw badRequest(`columns: ${repeated} is named twice`);
  const definitions = i.columns.map(columnSql);
  if (i.columns.filter((c) => parseColumnType(c.type).identity).length > 1) throw badRequest('columns: only one can be the primary key');
  if ((await listTables(em)).some((t) => t.name === i.table)) throw conflict(`Table ${i.table} already exists`);
  const statements = [`create table ${quote(i.table)} (${definitions.join(', ')})`, ...i.columns.flatMap((c) => commentSql(i.table, c))];
  return change(em, by, { operation: 'create_table', table: i.table }, statements, i.dryRun);
}

export async function addColumn(em: EntityManager, i: AddColumnInput, by: string): Promise<SchemaChangeResult> {
  const table = await describeTable(em, i.table);
  if (table.columns.some((c) => c.name === i.column.name)) throw conflict(`Column ${i.column.name} already exists in table ${i.table}`);
  if (parseColumnType(i.column.type).identity) throw badRequest('type: a primary key can only be declared when a table is created');
  if (table.protected && !i.column.nullable && i.column.default === undefined) {
    throw protectedError(i.table, undefined, `Table ${i.table} belongs to the service: a column added to it must be nullable or have a default`);
  }
  const sql = `alter table ${quote(i.table)} add column ${columnSql(i.column)}`;
  return change(em, by, { operation: 'add_column', table: i.table, column: i.column.name }, [sql, ...commentSql(i.table, i.column)], i.dryRun);
}

export async function dropColumn(em: EntityManager, i: DropColumnInput, by: string): Promise<SchemaChangeResult> {
  const table = await describeTable(em, i.table);
  const column = table.columns.find((c) => c.name === i.column);
  if (!column) throw new DomainError('NOT_FOUND', `Column ${i.column} does not exist in table ${i.table}`);
  if (column.protected) throw protectedError(i.table, i.column, `Column ${i.table}.${i.column} belongs to the service and cannot be dropped`);
  const sql = `alter table ${quote(i.table)} drop column ${quote(i.column)}`;
  return change(em, by, { operation: 'drop_column', table: i.table, column: i.column }, [sql], i.dryRun);
}

export async function dropTable(em: EntityManager, i: DropTableInput, by: string): Promise<SchemaChangeResult> {
  const table = await describeTable(em, i.table);
  if (table.protected) throw protectedError(i.table, undefined, `Table ${i.table} belongs to the service and cannot be dropped`);
  return change(em, by, { operation: 'drop_table', table: i.table }, [`drop table ${quote(i.table)}`], i.dryRun);
}

/** An ALTER TABLE statement, parsed (never run) and done by addColumn or dropColumn, under their checks. */
export async function applyStatement(em: EntityManager, i: SchemaStatementInput, by: string): Promise<SchemaStatementResult> {
  const statement = parseSchemaStatement(i.sql);
  const what = { operation: statement.operation, table: statement.table, column: typeof statement.column === 'string' ? statement.column : statement.column.name };
  const input = statement.operation === 'add_column' ? addColumnInput : dropColumnInput;
  const checked = input.safeParse({ ...statement, dryRun: i.dryRun });
  if (!checked.success) throw badRequest(checked.error.issues.map((issue) => `sql: ${issue.path.join('.')} ${issue.message}`).join('; '));
  const result =
    statement.operation === 'add_column' ? await addColumn(em, checked.data as AddColumnInput, by) : await dropColumn(em, checked.data as DropColumnInput, by);
  return { ...what, ...result };
}

/** Newest first. */
export async function schemaHistory(em: EntityManager, i: { limit: number; cursor?: string | undefined; offset: number }): Promise<SchemaChangePage> {
  const rows = await query<{ id: number; principal: string; operation: string; table_name: string; column_name: string | null; sql: string[]; created_at: Date }>(
    em,
    `select id, principal, operation, table_name, column_name, sql, created_at from schema_changes where ($1::int is null or id < $1) order by id desc limit $2 offset $3`,
    [decodeCursor(i.cursor, 'integer'), i.limit + 1, i.offset],
  );
  const changes = rows.map((r) => ({ id: r.id, principal: r.principal, operation: r.operation, table: r.table_name, column: r.column_name, sql: r.sql, createdAt: r.created_at }));
  return toPage(changes, i.limit, (c) => c.id);
}

function columnSql(column: ColumnDefinition): string {
  const type = parseColumnType(column.type);
  if (type.identity) return `${quote(column.name)} ${type.sql}`;
  const parts = [quote(column.name), type.sql];
  if (!column.nullable) parts.push('not null');
  if (column.default !== undefined) parts.push(`default ${defaultLiteral(type, column.default)}`);
  if (type.range) parts.push(`check (${quote(column.name)} between ${type.range[0]} and ${type.range[1]})`);
  return parts.join(' ');
}

/** A MySQL spelling that PostgreSQL would show as another type is kept in the column's comment (see column-types.ts). */
function commentSql(table: string, column: ColumnDefinition): string[] {
  const comment = declaredComment(parseColumnType(column.type));
  return comment ? [`comment on column ${quote(table)}.${quote(column.name)} is '${comment}'`] : [];
}

async function change(
  em: EntityManager,
  by: string,
  what: { operation: string; table: string; column?: string },
  statements: string[],
  dryRun: boolean,
): Promise<SchemaChangeResult> {
  if (dryRun) return { sql: statements, applied: false, changeId: null };
  try {
    return await transaction(em, async (sql) => {
      await sql(`set local lock_timeout = '${LOCK_TIMEOUT_MS}ms'`, []);
      await sql(`set local standard_conforming_strings = on`, []); // the literal quoting above relies on it
      for (const statement of statements) await sql(statement, []);
      const [audit] = await sql<{ id: number }>(
        `insert into schema_changes (principal, operation, table_name, column_name, sql) values ($1, $2, $3, $4, $5) returning id`,
        [by, what.operation, what.table, what.column ?? null, JSON.stringify(statements)],
      );
      return { sql: statements, applied: true, changeId: audit!.id };
    });
  } catch (error) {
    throw fromDatabase(error, what) ?? error;
  }
}

/** PostgreSQL's refusals, in plain words; never its raw message. */
function fromDatabase(error: unknown, what: { table: string; column?: string }): DomainError | undefined {
  switch ((error as { code?: string }).code) {
    case '55P03': // lock_not_available
      return new DomainError('CONFLICT', `Table ${what.table} is busy (a transaction holds it); nothing was changed, try again`, {
        reason: 'TABLE_BUSY',
        table: what.table,
      });
    case '42P07':
      return conflict(`Table ${what.table} already exists`);
    case '42701':
      return conflict(`Column ${what.column} already exists in table ${what.table}`);
    case '42P01':
      return tableNotFound(what.table);
    case '42703':
      return new DomainError('NOT_FOUND', `Column ${what.column} does not exist in table ${what.table}`);
    case '23502':
      return badRequest(`Table ${what.table} has rows: a column that is not nullable needs a default`);
    case '2BP01':
      return conflict(`Other database objects depend on ${what.column ? `${what.table}.${what.column}` : what.table}; nothing was changed`);
    default:
      return (error as { code?: string }).code?.startsWith('22') ? badRequest('default: does not fit the column type') : undefined;
  }
}

const conflict = (message: string) => new DomainError('CONFLICT', message);
const tableNotFound = (table: string) => new DomainError('NOT_FOUND', `Table ${table} does not exist`);
const protectedError = (table: string, column: string | undefined, message: string) =>
  new DomainError('BAD_REQUEST', message, { reason: 'PROTECTED', table, ...(column ? { column } : {}) });
