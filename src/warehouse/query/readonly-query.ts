// Analysts' SQL on the published file, read-only for real, even against a hostile analyst account. Two layers:
// 1. DuckDB parses the text (json_serialize_sql, which serializes SELECT-shaped statements only): exactly one
//    statement, of a read-only kind, calling no function that reads files or runs SQL from a string.
// 2. The session it runs in has external access off and its configuration locked (see openReadOnly in db/handles.ts),
//    so whatever slips past the parse check still cannot touch a file, ATTACH, COPY, INSTALL or SET them back.
import type { DuckDBConnection } from '@duckdb/node-api';
import { openReadOnly, queryJson, type QueryResult } from '../db/handles';

/** The SQL given is not one read-only statement. Fix the query; nothing was run. */
export class QueryRefusedError extends Error {
  override name = 'QueryRefusedError';
}

const ALLOWED_KINDS = 'SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, PIVOT, UNPIVOT or EXPLAIN';
const ALLOWED_FIRST_WORD = /^(SELECT|WITH|FROM|VALUES|TABLE|DESCRIBE|SHOW|SUMMARIZE|PIVOT|UNPIVOT|EXPLAIN|\()$/i;

/**
 * Table functions an analyst may call: catalog and generator functions only. Every file reader (read_csv,
 * read_text, read_json, read_parquet, glob, read_blob, parquet_scan, sniff_csv, ...) is outside this list.
 */
const ALLOWED_TABLE_FUNCTION =
  /^(duckdb_(?!secrets)\w+|range|generate_series|unnest|json_each|json_tree|pragma_(table_info|show|storage_info|database_size|version|metadata_info))$/i;

/** Scalar functions refused anywhere in the tree: file readers and SQL-from-a-string. */
const REFUSED_FUNCTION = /^(read_\w+|\w+_scan|glob|sniff_csv|parquet_\w+|query|query_table|getenv|duckdb_secrets|load_aws_credentials|checkpoint|force_checkpoint)$/i;

/**
 * A table name that DuckDB's replacement scan would turn into a file read ('data.csv', '/etc/passwd', and with a
 * query string or fragment, 'x.csv?y', which the scan strips before it looks at the extension). The warehouse's
 * own names are plain identifiers: path, query, glob and scheme characters are refused wherever they appear.
 */
const FILE_LIKE_TABLE = /[/\\?#*[\]{}:]|\.(csv|tsv|txt|json|jsonl|ndjson|parquet|gz|zst|xlsx|db|duckdb|sqlite)(\W|$)/i;

/** Leading comments and whitespace, which may hide the first keyword. */
const stripLeading = (sql: string): string => sql.replace(/^(\s+|--[^\n]*(\n|$)|\/\*[\s\S]*?\*\/)*/, '');

/** Throws QueryRefusedError unless `sql` is one read-only statement; `conn` parses it (nothing is executed). */
export async function checkReadOnlySql(conn: DuckDBConnection, sql: string): Promise<void> {
  let body = stripLeading(sql);
  const firstWord = /^(\(|[A-Za-z_]+)/.exec(body)?.[0] ?? '';
  if (!ALLOWED_FIRST_WORD.test(firstWord)) {
    throw new QueryRefusedError(
      `Refused: ${firstWord ? firstWord.toUpperCase() : 'this'} statements are not allowed here. ` + `The warehouse is read-only: give one ${ALLOWED_KINDS} statement.`,
    );
  }
  // EXPLAIN [ANALYZE] <stmt>: the statement it explains must pass the same checks.
  const explain = /^EXPLAIN(\s+ANALYZE)?\b/i.exec(body);
  if (explain) body = stripLeading(body.slice(explain[0].length));
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)::VARCHAR', [body]);
  const tree = JSON.parse(String(reader.getRowsJson()[0]?.[0] ?? '{}')) as {
    error?: boolean;
    error_type?: string;
    error_message?: string;
    statements?: unknown[];
  };
  if (tree.error) {
    if (/Only SELECT statements/i.test(tree.error_message ?? '')) {
      throw new QueryRefusedError(`Refused: only one ${ALLOWED_KINDS} statement is allowed (no ATTACH, COPY, INSTALL, LOAD, PRAGMA, SET, CALL, EXPORT or writes).`);
    }
    throw new QueryRefusedError(`The query does not parse: ${tree.error_message ?? 'unknown error'}`);
  }
  const count = tree.statements?.length ?? 0;
  if (count !== 1) throw new QueryRefusedError(`Refused: give exactly one statement (found ${count}). Several statements separated by ';' are not run.`);
  const macros = await warehouseMacros(conn);
  for (const problem of refusedNodes(tree.statements![0], macros))
    throw new QueryRefusedError(`Refused: ${problem}. The query may only read the warehouse's own tables and views.`);
}

/** Walks the parse tree, yielding a description of each table function, function or table that would read outside. */
function* refusedNodes(node: unknown, macros: ReadonlySet<string>): Generator<string> {
  if (Array.isArray(node)) {
    for (const n of node) yield* refusedNodes(n, macros);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'TABLE_FUNCTION') {
    const fn = o.function as { function_name?: unknown; schema?: unknown } | undefined;
    const name = String(fn?.function_name ?? '');
    // The allowed macros are those of `main`: the same name in another schema (`internal.`) is another macro.
    const inMain = ['', 'main'].includes(String(fn?.schema ?? '').toLowerCase());
    if (!ALLOWED_TABLE_FUNCTION.test(name) && !(inMain && macros.has(name.toLowerCase()))) yield `table function ${name}() is not allowed (it may read files or run other SQL)`;
  }
  if (o.class === 'FUNCTION' && typeof o.function_name === 'string' && REFUSED_FUNCTION.test(o.function_name)) {
    yield `function ${o.function_name}() is not allowed (it reads files or runs other SQL)`;
  }
  if (o.type === 'BASE_TABLE' && typeof o.table_name === 'string' && FILE_LIKE_TABLE.test(o.table_name)) {
    yield `"${o.table_name}" looks like a file name; reading files is not allowed`;
  }
  for (const v of Object.values(o)) yield* refusedNodes(v, macros);
}

/**
 * The warehouse's own table macros in `main` (`users_as_of(d)` ...): they read only its views, so they are allowed.
 * A macro that reads a relation named by its argument (`internal.sku_prices_on(held_days)`, through query_table) is
 * not, in whichever schema: the views that use it pass fixed names, an analyst could pass anything.
 */
async function warehouseMacros(conn: DuckDBConnection): Promise<Set<string>> {
  const rows = (
    await conn.runAndReadAll(
      `SELECT DISTINCT lower(function_name) FROM duckdb_functions()
     WHERE function_type = 'table_macro' AND NOT internal AND schema_name = 'main'
       AND NOT regexp_matches(lower(coalesce(macro_definition, '')), '\\bquery(_table)?\\s*\\(')`,
    )
  ).getRowsJson();
  return new Set(rows.map((r) => String(r[0])));
}

/** Runs one checked read-only statement on the published file, in a session with external access off. */
export async function runReadOnlyQuery(publishedPath: string, sql: string): Promise<QueryResult> {
  const ro = await openReadOnly(publishedPath);
  try {
    await checkReadOnlySql(ro.connection, sql);
    return await queryJson(ro.connection, sql);
  } finally {
    ro.close();
  }
}
