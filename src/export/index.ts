// Exports for billing and BI: chosen warehouse views as CSV or Parquet files plus a manifest.json (rows, sha256,
// snapshot dates). DuckDB's COPY writes the files from a separate in-memory database that ATTACHes the published file
// READ_ONLY, so nothing in an export run can write to the published warehouse.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { BASE_OPTIONS, createInstance } from '../warehouse/db/instance';
import { writeFileAtomic } from '../shared/atomic-write';
import { sqlIdent, sqlString } from '../warehouse/index';
import { FORMULA_START, UNSAFE_SQL_CLASS } from '../cli/output/sanitize';

export type ExportFormat = 'csv' | 'parquet';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['csv', 'parquet'];
/** What `export` writes unless told otherwise; license_spend only where the warehouse has it (it needs the money tables). */
export const DEFAULT_EXPORT_VIEWS = ['license_utilization', 'inactive_licensed_users', 'license_spend'] as const;

export class ExportError extends Error {
  override name = 'ExportError';
}

export interface ExportOptions {
  publishedPath: string;
  toDir: string;
  format: ExportFormat;
  /** Views (or tables) to write; default DEFAULT_EXPORT_VIEWS that exist. */
  views?: string[];
  /** Under the writer's memory cap (warehouse/db/instance.ts): the export after publish runs in the warehouse worker. */
  capped?: boolean;
}

export interface ExportedView {
  view: string;
  file: string;
  rows: number;
  bytes: number;
  sha256: string;
}

export interface ExportManifest {
  exported_at: string;
  format: ExportFormat;
  source: string;
  /** Latest snapshot per tenant, and the newest of them. */
  snapshot_date: string | null;
  snapshot_dates: Record<string, string>;
  views: ExportedView[];
}

async function sha256(file: string): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(file)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

async function strings(conn: DuckDBConnection, sql: string): Promise<string[][]> {
  return (await conn.runAndReadAll(sql)).getRowsJson().map((r) => r.map((v) => String(v)));
}

/**
 * The SELECT a view is copied from. CSV text columns follow the OWASP CSV-injection rule (a cell starting with
 * = + - @ tab or CR gets a leading single quote) because these files are opened in spreadsheets; Parquet keeps values as they are.
 */
async function selectFor(conn: DuckDBConnection, view: string, format: ExportFormat): Promise<string> {
  const cols = await strings(
    conn,
    `SELECT column_name, data_type FROM information_schema.columns
    WHERE table_catalog = 'wh' AND table_name = ${sqlString(view)} ORDER BY ordinal_position`,
  );
  const list = cols.map(([name, type]) => {
    const c = sqlIdent(name!);
    if (format === 'csv' && type === 'VARCHAR') {
      // The same two rules as the CLI's CSV (src/cli/output/sanitize.ts): control characters out, formulas quoted.
      const clean = `regexp_replace(${c}, ${sqlString(UNSAFE_SQL_CLASS)}, '', 'g')`;
      return `CASE WHEN regexp_matches(${clean}, ${sqlString(FORMULA_START)}) THEN '''' || ${clean} ELSE ${clean} END AS ${c}`;
    }
    return c;
  });
  return `SELECT ${list.join(', ')} FROM wh.${sqlIdent(view)}`;
}

export async function exportViews(opts: ExportOptions): Promise<{ manifestPath: string; manifest: ExportManifest }> {
  const source = path.resolve(opts.publishedPath);
  const dir = path.resolve(opts.toDir);
  if (!EXPORT_FORMATS.includes(opts.format)) throw new ExportError(`Export format must be one of ${EXPORT_FORMATS.join(', ')}, got ${opts.format}.`);
  await mkdir(dir, { recursive: true });
  // In-memory: COPY needs a writable session, and this one holds nothing but the read-only attachment.
  const instance = opts.capped ? await createInstance(':memory:') : await DuckDBInstance.create(':memory:', BASE_OPTIONS);
  const conn = await instance.connect();
  try {
    try {
      await conn.run(`ATTACH ${sqlString(source)} AS wh (READ_ONLY)`);
    } catch (err) {
      throw new ExportError(`Could not open the published warehouse ${source} read-only: check the path (M365_DB) and that a run has published it.`, { cause: err });
    }
    const available = new Set((await strings(conn, `SELECT table_name FROM information_schema.tables WHERE table_catalog = 'wh'`)).map((r) => r[0]!));
    const views = opts.views ?? DEFAULT_EXPORT_VIEWS.filter((v) => available.has(v));
    const unknown = views.filter((v) => !available.has(v));
    if (unknown.length > 0) {
      throw new ExportError(`Unknown view${unknown.length === 1 ? '' : 's'} ${unknown.join(', ')}; the warehouse has: ${[...available].sort().join(', ')}.`);
    }
    const snapshots = await strings(conn, 'SELECT tenant_id, max(snapshot_date)::VARCHAR FROM wh.snapshots GROUP BY tenant_id ORDER BY tenant_id');
    const exported: ExportedView[] = [];
    // COPY opens its target by name and follows links: it writes only inside a directory this process just created
    // (unguessable name, 0700), and each file is renamed from there into the shared directory.
    const scratch = await mkdtemp(path.join(dir, '.export-'));
    try {
      for (const view of views) {
        const file = `${view}.${opts.format}`;
        const target = path.join(dir, file);
        const temp = path.join(scratch, file);
        const options = opts.format === 'csv' ? 'FORMAT csv, HEADER true' : 'FORMAT parquet, COMPRESSION zstd';
        const copied = await conn.run(`COPY (${await selectFor(conn, view, opts.format)}) TO ${sqlString(temp)} (${options})`);
        await chmod(temp, 0o640);
        await rename(temp, target);
        exported.push({ view, file, rows: Number(copied.rowsChanged), ...(await sha256(target)) });
      }
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
    const dates = snapshots.map((r) => r[1]!).sort();
    const manifest: ExportManifest = {
      exported_at: new Date().toISOString(),
      format: opts.format,
      source,
      snapshot_date: dates.at(-1) ?? null,
      snapshot_dates: Object.fromEntries(snapshots.map(([t, d]) => [t!, d!])),
      views: exported,
    };
    // Written last, and atomically: a consumer that sees the manifest sees every file it lists.
    const manifestPath = path.join(dir, 'manifest.json');
    await writeFileAtomic(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`, 0o640);
    return { manifestPath, manifest };
  } finally {
    conn.closeSync();
    instance.closeSync();
  }
}

/** Whether an export follows each run: M365_EXPORT_DIR is set. */
export const exportScheduled = (env: NodeJS.ProcessEnv = process.env): boolean => Boolean(env.M365_EXPORT_DIR);

/** The export after each run, when configured: M365_EXPORT_DIR (where) and M365_EXPORT_FORMAT (csv, the default, or parquet). */
export function scheduledExportFromEnv(env: NodeJS.ProcessEnv = process.env): { toDir: string; format: ExportFormat; views?: string[] } | null {
  if (!env.M365_EXPORT_DIR) return null;
  const format = (env.M365_EXPORT_FORMAT || 'csv') as ExportFormat;
  if (!EXPORT_FORMATS.includes(format)) throw new ExportError(`M365_EXPORT_FORMAT must be csv or parquet, got ${env.M365_EXPORT_FORMAT}.`);
  const views = env.M365_EXPORT_VIEWS
    ? env.M365_EXPORT_VIEWS.split(',')
        .map((v) => v.trim())
        .filter(Boolean)
    : undefined;
  return { toDir: path.resolve(env.M365_EXPORT_DIR), format, views };
}

/** For the pipeline after each publish: exports when M365_EXPORT_DIR is set, else does nothing and returns null. */
export async function exportAfterRun(publishedPath: string, env: NodeJS.ProcessEnv = process.env): Promise<ExportManifest | null> {
  const plan = scheduledExportFromEnv(env);
  if (!plan) return null;
  return (await exportViews({ publishedPath, ...plan, capped: true })).manifest;
}
