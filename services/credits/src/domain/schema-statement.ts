import { type ColumnDefinition, SUPPORTED_SCHEMA_STATEMENTS } from '@credits/contract';
import mysql from 'node-sql-parser/build/mysql.js';
import postgresql from 'node-sql-parser/build/postgresql.js';
import { badRequest } from './errors';

/**
 * `POST /api/schema/update {"sql": "ALTER TABLE ..."}`: an earlier system took SQL text and ran it.
 * Here the text is parsed by a real SQL parser (node-sql-parser), never run: what it says is
 * mapped onto the safe operations (add or drop one column), whose checks then apply as to any
 * other caller; anything else is refused, naming what is supported.
 */
export type SchemaStatement =
  | { operation: 'add_column'; table: string; column: ColumnDefinition }
  | { operation: 'drop_column'; table: string; column: string };

const refuse = (what: string) => badRequest(`sql: ${what}; supported is ${SUPPORTED_SCHEMA_STATEMENTS}`);

/** The parts of an ADD COLUMN this maps; any other clause (AUTO_INCREMENT, COMMENT, a key, a check...) is refused by name. */
const MAPPED = new Set(['action', 'column', 'definition', 'resource', 'nullable', 'default_val', 'keyword', 'type', 'suffix', 'if_not_exists', 'if_exists']);

/**
 * MySQL's grammar first (seed 000 ran on MySQL: backquoted names, TINYINT(1), INT UNSIGNED), then
 * PostgreSQL's for what the MySQL grammar of node-sql-parser lacks (BOOL) and PostgreSQL's own types.
 */
const GRAMMARS = [
  { parser: new mysql.Parser(), database: 'MySQL' },
  { parser: new postgresql.Parser(), database: 'PostgresQL' },
];

export function parseSchemaStatement(sql: string): SchemaStatement {
  let ast: unknown;
  let firstError: Error | undefined;
  for (const { parser, database } of GRAMMARS) {
    try {
      ast = parser.astify(sql, { database });
      break;
    } catch (error) {
      firstError ??= error as Error;
    }
  }
  if (ast === undefined) throw refuse(`not SQL this service can read (${firstError?.message.split('\n')[0]?.slice(0, 200) ?? 'unreadable'})`);
  const statements = (Array.isArray(ast) ? ast : [ast]) as Node[];
  if (statements.length !== 1) throw refuse(`${statements.length} statements were sent`);
  const [statement] = statements as [Node];
  if (statement.type !== 'alter') throw refuse(`${String(statement.type).toUpperCase()} is not supported`);
  const tables = statement.table as { db: string | null; table: string }[];
  if (tables.length !== 1 || tables[0]!.db) throw refuse('name one table, without a schema or database');
  const actions = statement.expr as Node[];
  if (actions.length !== 1) throw refuse(`${actions.length} changes in one statement`);
  const action = actions[0]!;
  if (action.resource !== 'column' || (action.action !== 'add' && action.action !== 'drop')) {
    const words = [action.action, action.resource].filter((w) => typeof w === 'string').map((w) => String(w).toUpperCase());
    throw refuse(`ALTER TABLE ... ${words.join(' ') || 'this change'} is not supported`);
  }
  const table = tables[0]!.table;
  const column = columnName(action.column);
  if (action.action === 'drop') return { operation: 'drop_column', table, column };

  const extra = Object.entries(action).find(([key, value]) => !MAPPED.has(key) && value !== null && value !== undefined);
  if (extra) throw refuse(`the ${extra[0].replaceAll('_', ' ').toUpperCase()} clause is not supported`);
  if (action.if_not_exists) throw refuse('IF NOT EXISTS is not supported');
  const nullable = (action.nullable as { type: string } | undefined)?.type;
  return {
    operation: 'add_column',
    table,
    column: {
      name: column,
      type: typeName(action.definition as Definition),
      nullable: nullable !== 'not null',
      ...(action.default_val ? { default: literal((action.default_val as { value: Node }).value) } : {}),
    },
  };
}

type Node = Record<string, unknown>;
interface Definition {
  dataType: string;
  length?: number | null;
  scale?: number | null;
  parentheses?: boolean;
  suffix?: string[] | null;
}

/** MySQL's grammar gives the name; PostgreSQL's wraps it in an expression. */
function columnName(ref: unknown): string {
  const column = (ref as { column: string | { expr: { value: string } } }).column;
  return typeof column === 'string' ? column : column.expr.value;
}

/** The declared type, spelled back for the type allowlist (column-types.ts) to read: VARCHAR(20), DECIMAL(10,2), INT UNSIGNED. */
function typeName(definition: Definition): string {
  const size = definition.length == null ? '' : `(${definition.length}${definition.scale == null ? '' : `,${definition.scale}`})`;
  const suffix = (definition.suffix ?? []).map((word) => ` ${word}`).join('');
  return `${definition.dataType}${size}${suffix}`;
}

/** A DEFAULT must be a literal: a number, a string, TRUE/FALSE or NULL, never an expression or a function. */
function literal(value: Node): string | number | boolean | null {
  switch (value.type) {
    case 'number':
      return typeof value.value === 'number' ? value.value : String(value.value);
    case 'single_quote_string':
    case 'double_quote_string':
      return String(value.value).replaceAll("''", "'");
    case 'bool':
      return value.value as boolean;
    case 'null':
      return null;
    default:
      throw refuse(`DEFAULT must be a literal (a number, a quoted string, TRUE, FALSE or NULL), not ${String(value.type).replaceAll('_', ' ')}`);
  }
}
