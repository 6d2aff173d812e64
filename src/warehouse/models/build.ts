// Analyst models, dbt-style: one file per model in src/warehouse/models/<name>.sql. The first line is a
// `-- ` comment with the model's one-line description (docs/warehouse.md's table is generated from it); an
// optional `-- materialized: view|table|macro(arg, ...)` line follows (default view). `{{ history('<table>') }}`
// expands to the table's current Parquet partitions. Models are recreated in dependency order on every migration
// run; `table` models (the current-state marts) are recomputed then and refreshed per tenant after each load.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { groupExcludedSql, skuExcludedSql, upnExcludedSql } from '../rules/exclusion';
import { sqlString } from '../db/sql';
import { inTransaction } from '../db/transaction';
import { DEFAULT_SETTINGS } from '../types';
import { currentPartitions, HISTORY_TABLES, type HistoryTableName } from '../history/layout';

export const MODELS_DIR = fileURLToPath(new URL('./', import.meta.url));

export type Materialization = { kind: 'view' } | { kind: 'table' } | { kind: 'macro'; args: string[] };

export interface Model {
  name: string;
  description: string;
  materialized: Materialization;
  /** The SELECT, with templates not yet expanded. */
  sql: string;
  /** Other models this one reads (found by name in its SQL). */
  dependsOn: string[];
}

function parseModel(name: string, text: string, names: Set<string>): Model {
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  if (!first.startsWith('-- ') || first.trim().length < 4) {
    throw new Error(`Model ${name}.sql must start with "-- <one-line description>"`);
  }
  let materialized: Materialization = { kind: 'view' };
  const m = /^--\s*materialized:\s*(view|table|macro)(?:\(([^)]*)\))?\s*$/.exec(lines[1] ?? '');
  if (m) {
    materialized =
      m[1] === 'macro' ? { kind: 'macro', args: (m[2] ?? '').split(',').map((a) => a.trim()).filter(Boolean) } : { kind: m[1] as 'view' | 'table' };
  }
  const sql = text.trim().replace(/;\s*$/, '');
  const code = sql.replace(/--[^\n]*/g, ' ').replace(/\{\{[^}]*\}\}/g, ' ');
  const dependsOn = [...names].filter((other) => other !== name && new RegExp(`\\b${other}\\b`).test(code));
  return { name, description: first.slice(3).trim(), materialized, sql, dependsOn };
}

const loaded = new Map<string, Model[]>();

/**
 * Every model, in dependency order (a model after everything it reads). Read once per process: the models a
 * writer refreshes are the ones it created at open, even if the files change under a running worker.
 */
export function loadModels(dir = MODELS_DIR): Model[] {
  const cached = loaded.get(dir);
  if (cached) return cached;
  const models = readModels(dir);
  loaded.set(dir, models);
  return models;
}

function readModels(dir: string): Model[] {
  const files = readdirSync(dir).filter((f) => f.endsWith('.sql')).sort();
  const names = new Set(files.map((f) => f.slice(0, -4)));
  const models = new Map(files.map((f) => [f.slice(0, -4), parseModel(f.slice(0, -4), readFileSync(path.join(dir, f), 'utf8'), names)]));
  const ordered: Model[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') throw new Error(`Models depend on each other in a cycle: ${[...trail, name].join(' -> ')}`);
    state.set(name, 'visiting');
    const model = models.get(name)!;
    for (const dep of model.dependsOn) visit(dep, [...trail, name]);
    state.set(name, 'done');
    ordered.push(model);
  };
  for (const name of [...models.keys()].sort()) visit(name, []);
  return ordered;
}

/** Template functions a model may call as `{{ name('arg', ...) }}`: the SQL fragments other code shares. */
const TEMPLATES: Record<string, (root: string, ...args: string[]) => string> = {
  /** The table's current Parquet partitions under the history root. */
  history: (root, table) => {
    if (!table || !(table in HISTORY_TABLES)) throw new Error(`Unknown history table in a model: ${table}`);
    return currentPartitions(root, table as HistoryTableName);
  },
  /** The exclusion rule, shared with the reclamation re-check (rules/exclusion.ts). */
  upn_excluded: (_root, upn, patterns) => upnExcludedSql(upn!, patterns!),
  group_excluded: (_root, groups, excluded) => groupExcludedSql(groups!, excluded!),
  sku_excluded: (_root, held, excluded) => skuExcludedSql(held!, excluded!),
  /** A default of the settings (types.ts DEFAULT_SETTINGS), e.g. `{{ default_setting('inactivityDays') }}`. */
  default_setting: (_root, name) => {
    const v = (DEFAULT_SETTINGS as unknown as Record<string, unknown>)[name!];
    if (typeof v !== 'number') throw new Error(`Unknown numeric default setting in a model: ${name}`);
    return String(v);
  },
};

/** Expands the `{{ fn('arg', ...) }}` templates of a model's SQL. */
export function expand(sql: string, historyRoot: string): string {
  return sql.replace(/\{\{\s*([a-z_]+)\(([^)]*)\)\s*\}\}/g, (_all, fn: string, rawArgs: string) => {
    const template = TEMPLATES[fn];
    if (!template) throw new Error(`Unknown template in a model: ${fn}`);
    const args = [...rawArgs.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
    return template(historyRoot, ...args);
  });
}

/** What each model name is in the catalog now (views of an older version, tables, macros), one query for all. */
async function existingKinds(conn: DuckDBConnection): Promise<Map<string, string[]>> {
  const rows = (await conn.runAndReadAll(
    `SELECT view_name, 'VIEW' FROM duckdb_views() WHERE schema_name = 'main' AND NOT internal
     UNION ALL SELECT table_name, 'TABLE' FROM duckdb_tables() WHERE schema_name = 'main'
     UNION ALL SELECT DISTINCT function_name, 'MACRO TABLE' FROM duckdb_functions()
       WHERE schema_name = 'main' AND function_type = 'table_macro' AND NOT internal`,
  )).getRowsJson();
  const kinds = new Map<string, string[]>();
  for (const [name, kind] of rows as [string, string][]) kinds.set(name, [...(kinds.get(name) ?? []), kind]);
  return kinds;
}

const hashOf = (models: Model[], root: string): string =>
  createHash('sha256').update(JSON.stringify(models.map((m) => [m.name, m.materialized, expand(m.sql, root)]))).digest('hex');

/**
 * Recreates every model in dependency order (inside the caller's transaction). Table models are recomputed only
 * when some model's text (or the history location) changed since the last run, so opening the writer stays quick.
 */
export async function createModels(conn: DuckDBConnection, historyRoot: string, models = loadModels()): Promise<void> {
  const hash = hashOf(models, historyRoot);
  const previous = (await conn.runAndReadAll(`SELECT sql_hash FROM warehouse_models WHERE name = '*'`)).getRowsJson()[0]?.[0];
  const rebuildTables = previous !== hash;
  const existing = await existingKinds(conn);
  for (const m of [...models].reverse()) {
    if (m.materialized.kind === 'table' && !rebuildTables) continue;
    for (const kind of existing.get(m.name) ?? []) await conn.run(`DROP ${kind} IF EXISTS ${m.name}`);
  }
  for (const m of models) {
    const sql = expand(m.sql, historyRoot);
    if (m.materialized.kind === 'view') await conn.run(`CREATE VIEW ${m.name} AS ${sql}`);
    else if (m.materialized.kind === 'macro') await conn.run(`CREATE MACRO ${m.name}(${m.materialized.args.join(', ')}) AS TABLE ${sql}`);
    // A changed table model starts empty and every tenant's rows are due: the next publish computes them one tenant
    // per transaction, never every tenant in the one transaction that opens the writer.
    else if (rebuildTables || !existing.get(m.name)?.includes('TABLE')) await conn.run(`CREATE TABLE ${m.name} AS SELECT * FROM (${sql}
) LIMIT 0`);
  }
  if (rebuildTables) await markMartsDue(conn, null);
  await conn.run(`INSERT OR REPLACE INTO warehouse_paths VALUES ('history', ${sqlString(historyRoot)})`);
  await conn.run('DELETE FROM warehouse_models');
  await conn.run(
    `INSERT INTO warehouse_models VALUES ${[['*', 'all', 'hash of every model', hash], ...models.map((m) => [m.name, m.materialized.kind, m.description, ''])]
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

/**
 * Users per slice of a per-user mart's refresh. Each slice reads every input again (the tables are not kept in
 * user order), so slicing a 1M-user tenant in four made its marts 2x slower, and the savings mart, which reads the
 * whole tenant's licences several times, 3x; in one piece they fit the writer's 500MB cap (peak RSS unchanged).
 * Beyond this many users a tenant is still sliced, so memory stays bounded for the largest tenants.
 */
export const USERS_PER_SLICE = 2_000_000;

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
  return [
    `user_id < ${edges[0]}`,
    ...edges.slice(1).map((hi, i) => `user_id >= ${edges[i]} AND user_id < ${hi}`),
    `(user_id >= ${edges[edges.length - 1]} OR user_id IS NULL)`,
  ];
}

/** Which table models have a row per user (and a user_id column to slice by). */
const perUser = new Map<string, boolean>();
async function isPerUser(conn: DuckDBConnection, name: string): Promise<boolean> {
  if (!perUser.has(name)) {
    const r = await conn.runAndReadAll(`SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'main' AND table_name = ${sqlString(name)} AND column_name = 'user_id'`);
    perUser.set(name, Number(r.getRowsJson()[0]![0]) > 0);
  }
  return perUser.get(name)!;
}

/** One table model's rows of one tenant, recomputed (slice by slice for a per-user model of a big tenant). */
async function refreshModel(conn: DuckDBConnection, historyRoot: string, tenantId: string, m: Model, slices: string[]): Promise<void> {
  const t = sqlString(tenantId);
  await conn.run(`DELETE FROM ${m.name} WHERE tenant_id = ${t}`);
  const sql = expand(m.sql, historyRoot);
  for (const slice of (await isPerUser(conn, m.name)) ? slices : ['true']) {
    await conn.run(`INSERT INTO ${m.name} SELECT * FROM (${sql}
) WHERE tenant_id = ${t} AND ${slice}`);
  }
}
