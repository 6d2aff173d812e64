// Creating the analyst models (read.ts reads them from the layer folders) and keeping their marts fresh.
// `{{ history('<table>') }}` and the other templates (templates.ts) are expanded here. Models are recreated in
// dependency order on every writer open; `table` models (the current-state marts) are recomputed then and refreshed
// per tenant at publish. Helpers (the `intermediate` layer) go into the schema `internal`.
import { createHash } from 'node:crypto';
import type { DuckDBConnection } from '@duckdb/node-api';
import { sqlString } from '../db/sql';
import { inTransaction } from '../db/transaction';
import { INTERNAL_SCHEMA, loadModels, type Model } from './read';
import { expand } from './templates';

/**
 * What each model name is in the catalog now, in either schema (views of an older version, tables, macros; a helper
 * of an older version may still sit in `main`), one query for all: [drop target, kind] per name.
 */
async function existingKinds(conn: DuckDBConnection): Promise<Map<string, Array<[string, string]>>> {
  const schemas = `('main', '${INTERNAL_SCHEMA}')`;
  const rows = (
    await conn.runAndReadAll(
      `SELECT schema_name, view_name, 'VIEW' FROM duckdb_views() WHERE schema_name IN ${schemas} AND NOT internal
     UNION ALL SELECT schema_name, table_name, 'TABLE' FROM duckdb_tables() WHERE schema_name IN ${schemas}
     UNION ALL SELECT DISTINCT schema_name, function_name, 'MACRO TABLE' FROM duckdb_functions()
       WHERE schema_name IN ${schemas} AND function_type = 'table_macro' AND NOT internal`,
    )
  ).getRowsJson();
  const kinds = new Map<string, Array<[string, string]>>();
  for (const [schema, name, kind] of rows as [string, string, string][]) kinds.set(name, [...(kinds.get(name) ?? []), [`${schema}.${name}`, kind]]);
  return kinds;
}

/** Whether the model's table exists where the model puts it. */
const hasOwnTable = (existing: Map<string, Array<[string, string]>>, m: Model): boolean =>
  (existing.get(m.name) ?? []).some(([target, kind]) => kind === 'TABLE' && target === `${m.schema}.${m.name}`);

const hashOf = (models: Model[], root: string): string =>
  createHash('sha256')
    .update(JSON.stringify(models.map((m) => [m.relation, m.materialized, expand(m.sql, root)])))
    .digest('hex');

/**
 * Recreates every model in dependency order (inside the caller's transaction). Table models are recomputed only
 * when some model's text (or the history location) changed since the last run, so opening the writer stays quick.
 */
export async function createModels(conn: DuckDBConnection, historyRoot: string, models = loadModels()): Promise<void> {
  const hash = hashOf(models, historyRoot);
  const previous = (await conn.runAndReadAll(`SELECT sql_hash FROM warehouse_models WHERE name = '*'`)).getRowsJson()[0]?.[0];
  const rebuildTables = previous !== hash;
  const existing = await existingKinds(conn);
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${INTERNAL_SCHEMA}`);
  for (const m of [...models].reverse()) {
    if (m.materialized.kind === 'table' && !rebuildTables && hasOwnTable(existing, m)) continue;
    for (const [target, kind] of existing.get(m.name) ?? []) await conn.run(`DROP ${kind} IF EXISTS ${target}`);
  }
  for (const m of models) {
    const sql = expand(m.sql, historyRoot);
    if (m.materialized.kind === 'view') await conn.run(`CREATE VIEW ${m.relation} AS ${sql}`);
    else if (m.materialized.kind === 'macro') await conn.run(`CREATE MACRO ${m.relation}(${m.materialized.args.join(', ')}) AS TABLE ${sql}`);
    // A changed table model starts empty and every tenant's rows are due: the next publish computes them one tenant
    // per transaction, never every tenant in the one transaction that opens the writer.
    else if (rebuildTables || !hasOwnTable(existing, m))
      await conn.run(`CREATE TABLE ${m.relation} AS SELECT * FROM (${sql}
) LIMIT 0`);
  }
  if (rebuildTables) await markMartsDue(conn, null);
  await conn.run(`INSERT OR REPLACE INTO warehouse_paths VALUES ('history', ${sqlString(historyRoot)})`);
  await conn.run('DELETE FROM warehouse_models');
  await conn.run(
    `INSERT INTO warehouse_models VALUES ${[['*', 'all', 'hash of every model', hash], ...models.map((m) => [m.relation, m.materialized.kind, m.description, ''])]
      .map((r) => `(${r.map((v) => sqlString(v)).join(', ')})`)
      .join(', ')}`,
  );
}

/**
 * Marks the table models (the current-state marts) of a tenant, or of every tenant (null), as due: the next
 * publish recomputes them (refreshDueMarts). A load, a settings, price or contract change calls this inside its
 * own transaction, so the mark commits with the change it follows.
 */
export async function markMartsDue(conn: DuckDBConnection, tenantId: string | null): Promise<void> {
  const tenants = tenantId === null ? `SELECT DISTINCT tenant_id FROM snapshots` : `SELECT ${sqlString(tenantId)} AS tenant_id`;
  await conn.run(`INSERT INTO marts_due SELECT tenant_id, now() FROM (${tenants}) ON CONFLICT DO NOTHING`);
}

/**
 * Recomputes the marts of every tenant marked due and returns how many tenants it refreshed. Publish runs it before
 * the checkpoint: the marts are materialised where analysts read them, once per publish however many loads or
 * changes came before. A big tenant (more than one slice of users, martSlices) gets a transaction per mart and its
 * per-user marts in slices of users: the memory a refresh needs stays flat with tenant size. A failure leaves the tenant due (its
 * mark goes last), and nothing is published before every due tenant is whole again.
 */
export async function refreshDueMarts(
  conn: DuckDBConnection,
  historyRoot: string,
  usersPerSlice = USERS_PER_SLICE,
  /** Milliseconds per mart (summed over tenants), for the publish log. */
  martMs: Record<string, number> = {},
): Promise<number> {
  const due = (await conn.runAndReadAll('SELECT tenant_id FROM marts_due ORDER BY since')).getRowsJson().map((r) => String(r[0]));
  const marts = loadModels().filter((m) => m.materialized.kind === 'table');
  for (const tenantId of due) {
    const slices = await martSlices(conn, tenantId, usersPerSlice);
    // A tenant of one slice in one transaction (one commit, not one per mart); a big one a transaction per mart.
    const groups = slices.length === 1 ? [marts] : marts.map((m) => [m]);
    for (const group of groups) {
      await inTransaction(conn, async () => {
        for (const m of group) {
          const t = performance.now();
          await refreshModel(conn, historyRoot, tenantId, m, slices);
          martMs[m.name] = Math.round((martMs[m.name] ?? 0) + performance.now() - t);
        }
      });
    }
    await conn.run(`DELETE FROM marts_due WHERE tenant_id = ${sqlString(tenantId)}`);
  }
  return due.length;
}

/** Users per slice of a per-user mart's refresh: a 1M-user tenant's joins and per-user lists in one go overran the writer's memory limit. */
export const USERS_PER_SLICE = 250_000;

/**
 * Predicates on `user_id` that split the tenant's users into slices of about USERS_PER_SLICE, at quantiles of its
 * own ids (any id format); ['true'] for a tenant that fits one slice. DuckDB pushes a range on the join key into
 * both sides of the marts' joins, so each slice reads and joins only its users.
 */
async function martSlices(conn: DuckDBConnection, tenantId: string, usersPerSlice: number): Promise<string[]> {
  const t = sqlString(tenantId);
  const users = Number((await conn.runAndReadAll(`SELECT count(*) FROM current_users WHERE tenant_id = ${t}`)).getRowsJson()[0]![0]);
  const n = Math.ceil(users / usersPerSlice);
  if (n <= 1) return ['true'];
  const qs = Array.from({ length: n - 1 }, (_, i) => ((i + 1) / n).toFixed(6)).join(', ');
  const bounds = (await conn.runAndReadAll(`SELECT quantile_disc(user_id, [${qs}]) FROM current_users WHERE tenant_id = ${t}`)).getRowsJson()[0]![0] as string[];
  const edges = [...new Set(bounds)].map((b) => sqlString(b));
  return [`user_id < ${edges[0]}`, ...edges.slice(1).map((hi, i) => `user_id >= ${edges[i]} AND user_id < ${hi}`), `(user_id >= ${edges[edges.length - 1]} OR user_id IS NULL)`];
}

/** Which table models have a row per user (and a user_id column to slice by). */
const perUser = new Map<string, boolean>();
async function isPerUser(conn: DuckDBConnection, m: Model): Promise<boolean> {
  if (!perUser.has(m.relation)) {
    const r = await conn.runAndReadAll(
      `SELECT count(*) FROM duckdb_columns() WHERE schema_name = ${sqlString(m.schema)} AND table_name = ${sqlString(m.name)} AND column_name = 'user_id'`,
    );
    perUser.set(m.relation, Number(r.getRowsJson()[0]![0]) > 0);
  }
  return perUser.get(m.relation)!;
}

/** One table model's rows of one tenant, recomputed (slice by slice for a per-user model of a big tenant). */
async function refreshModel(conn: DuckDBConnection, historyRoot: string, tenantId: string, m: Model, slices: string[]): Promise<void> {
  const t = sqlString(tenantId);
  await conn.run(`DELETE FROM ${m.relation} WHERE tenant_id = ${t}`);
  const sql = expand(m.sql, historyRoot);
  for (const slice of (await isPerUser(conn, m)) ? slices : ['true']) {
    await conn.run(`INSERT INTO ${m.relation} SELECT * FROM (${sql}
) WHERE tenant_id = ${t} AND ${slice}`);
  }
}
