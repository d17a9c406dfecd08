import { z } from 'zod';
import { storableString, page, pageInput } from './common';

/**
 * Schema management (seeds 000 and 002), admins only. Identifiers are lower-case letters, digits
 * and underscores, at most 63; types come from an allowlist; the service's own tables and
 * columns can be described and extended but never dropped or altered.
 */
export const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** PostgreSQL's reserved key words: quoted they would work, but as names they only confuse. */
const RESERVED = new Set(
  ('all analyse analyze and any array as asc asymmetric authorization binary both case cast check collate collation column concurrently ' +
    'constraint create cross current_catalog current_date current_role current_schema current_time current_timestamp current_user default ' +
    'deferrable desc distinct do else end except false fetch for foreign freeze from full grant group having ilike in initially inner ' +
    'intersect into is isnull join lateral leading left like limit localtime localtimestamp natural not notnull null offset on only or ' +
    'order outer overlaps placing primary references returning right select session_user similar some symmetric system_user table ' +
    'tablesample then to trailing true union unique user using variadic verbose when where window with').split(' '),
);

export const identifier = z
  .string({ error: 'must be a name' })
  .regex(IDENTIFIER, 'must be 1 to 63 lower-case letters, digits or underscores, not starting with a digit')
  .refine((name) => !RESERVED.has(name), 'must not be an SQL reserved word')
  .refine((name) => !name.startsWith('pg_'), 'must not start with pg_ (reserved for PostgreSQL)');

/** A column's default: a JSON value, checked against the column's type and written as a typed literal. */
export const columnDefault = z.union([storableString().max(1_000), z.number(), z.boolean(), z.null()], {
  error: 'must be a string, a number, a boolean or null',
});

export const columnDefinition = z.object({
  name: identifier,
  /**
   * integer, smallint, bigint, numeric(p,s), real, double precision, text, varchar(n), char(n), boolean, date, timestamp,
   * timestamptz, jsonb, uuid, or the MySQL spellings of seed 000 (INT, INT UNSIGNED, MEDIUMINT, TINYINT(1), BOOL, DECIMAL(10,2),
   * FLOAT, DOUBLE, CHAR(n), VARCHAR(255), MEDIUMTEXT, LONGTEXT, DATETIME, TIMESTAMP, JSON, INT AUTO_INCREMENT PRIMARY KEY).
   */
  type: z.string().min(1).max(60),
  nullable: z.boolean().default(true),
  default: columnDefault.optional(),
});
export type ColumnDefinition = z.output<typeof columnDefinition>;

const dryRun = z.boolean().default(false).describe('return the SQL without running it');

export const createTableInput = z.object({ table: identifier, columns: z.array(columnDefinition).min(1).max(100), dryRun });
export const addColumnInput = z.object({ table: identifier, column: columnDefinition, dryRun });
export const dropColumnInput = z.object({ table: identifier, column: identifier, dryRun });
export const dropTableInput = z.object({ table: identifier, dryRun });
export const describeTableInput = z.object({ table: identifier });
export type CreateTableInput = z.output<typeof createTableInput>;
export type AddColumnInput = z.output<typeof addColumnInput>;
export type DropColumnInput = z.output<typeof dropColumnInput>;
export type DropTableInput = z.output<typeof dropTableInput>;

export const columnInfo = z.object({
  name: z.string(),
  /** PostgreSQL's name of the type (`character varying(255)`). */
  type: z.string(),
  /** The type as MySQL shows it (`varchar(255)`, `int`, `tinyint(1)`; a MySQL spelling it was declared with, e.g. `mediumtext`): seed 000's describe. */
  mysqlType: z.string(),
  nullable: z.boolean(),
  /** PRI, UNI or empty, as the seed reports keys. */
  key: z.enum(['PRI', 'UNI', '']),
  default: z.string().nullable(),
  extra: z.string(),
  /** One of the service's own columns (describe only). */
  protected: z.boolean(),
});
export type ColumnInfo = z.output<typeof columnInfo>;

export const tableInfo = z.object({ name: z.string(), protected: z.boolean() });
export const tableDescription = z.object({ table: z.string(), protected: z.boolean(), columns: z.array(columnInfo) });
export type TableDescription = z.output<typeof tableDescription>;

/** The outcome of a change: the SQL (run, or only shown for a dry run) and its audit record. */
export const schemaChangeResult = z.object({ sql: z.array(z.string()), applied: z.boolean(), changeId: z.number().nullable() });
export type SchemaChangeResult = z.output<typeof schemaChangeResult>;

/** What `schema.update` takes: its refusals name it. */
export const SUPPORTED_SCHEMA_STATEMENTS =
  'one statement: ALTER TABLE <table> ADD [COLUMN] <column> <type> [NULL | NOT NULL] [DEFAULT <literal>], or ALTER TABLE <table> DROP [COLUMN] <column>';

/** One ALTER TABLE statement (MySQL or PostgreSQL syntax), parsed, never run: ADD COLUMN or DROP COLUMN, mapped onto addColumn or dropColumn. */
export const schemaStatementInput = z.object({ sql: z.string().min(1).max(10_000), dryRun });
export type SchemaStatementInput = z.output<typeof schemaStatementInput>;
export const schemaStatementResult = schemaChangeResult.extend({
  operation: z.enum(['add_column', 'drop_column']),
  table: z.string(),
  column: z.string(),
});
export type SchemaStatementResult = z.output<typeof schemaStatementResult>;

export const schemaChange = z.object({
  id: z.number(),
  principal: z.string(),
  operation: z.string(),
  table: z.string(),
  column: z.string().nullable(),
  sql: z.array(z.string()),
  createdAt: z.date(),
});
export const schemaHistoryInput = z.object(pageInput);
export const schemaChangePage = page(schemaChange);
export type SchemaChangePage = z.output<typeof schemaChangePage>;
