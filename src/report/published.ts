// Where the reports live beside the published warehouse, and the writes the pipeline makes there after a run:
//   <dir>/report.html              the fleet's page: every tenant, its last run, a link to its report
//   <dir>/reports/<tenant-id>.html one tenant's report, rewritten after that tenant's own runs only
// So a run's report costs what its own tenant costs, however many tenants share the warehouse.
import { existsSync } from 'node:fs';
import { lstat, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write';
import { openReadOnly, type ReadOnlyWarehouse } from '../warehouse/index';
import { readTenant, rows } from './data';
import { readFleet, renderFleetPage } from './fleet-page';
import { renderPage } from './page';

export const REPORTS_DIR = 'reports';
const INDEX_FILE = 'report.html';
/** A directory (tenant) id as Entra issues it: nothing else becomes part of a path. */
const DIRECTORY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A tenant id that cannot name a report file (not a directory id): the report is not written. */
export class ReportPathError extends Error {
  override name = 'ReportPathError';
}

export interface WrittenFile {
  file: string;
  bytes: number;
}

/** The fleet's page beside the published database (`<dir>/report.html`): what the docs call "the report". */
export function reportPathFor(publishedPath: string): string {
  return path.join(path.dirname(path.resolve(publishedPath)), INDEX_FILE);
}

export function reportsDirFor(publishedPath: string): string {
  return path.join(path.dirname(path.resolve(publishedPath)), REPORTS_DIR);
}

export const isDirectoryId = (tenantId: string): boolean => DIRECTORY_ID.test(tenantId);

/** `<dir>/reports/<tenant-id>.html` (lower case); refuses any tenant id that is not a directory id. */
export function tenantReportPathFor(publishedPath: string, tenantId: string): string {
  if (!isDirectoryId(tenantId)) {
    throw new ReportPathError(`Tenant id ${JSON.stringify(tenantId)} is not a directory id (a GUID), so it cannot name a report file: write that report with --out FILE.`);
  }
  const dir = reportsDirFor(publishedPath);
  const file = path.join(dir, `${tenantId.toLowerCase()}.html`);
  // The pattern admits no separator or dot segment; checked again so a future change to it cannot escape.
  if (path.dirname(file) !== dir) throw new ReportPathError(`Tenant id ${JSON.stringify(tenantId)} would leave ${dir}.`);
  return file;
}

/** The reports directory, created if missing; a link or a file in its place is refused, never followed. */
async function reportsDir(publishedPath: string): Promise<string> {
  const dir = reportsDirFor(publishedPath);
  await mkdir(dir, { recursive: true });
  const st = await lstat(dir);
  if (!st.isDirectory()) throw new ReportPathError(`${dir} is not a directory (a link or a file): move it away so reports can be written there.`);
  return dir;
}

async function writeTenant(ro: ReadOnlyWarehouse, publishedPath: string, tenantId: string): Promise<WrittenFile> {
  const file = tenantReportPathFor(publishedPath, tenantId);
  await reportsDir(publishedPath);
  const html = renderPage({ generatedAt: new Date().toISOString(), tenants: [await readTenant(ro.connection, tenantId)] }, { indexHref: `../${INDEX_FILE}` });
  await writeFileAtomic(file, html, 0o640);
  return { file, bytes: Buffer.byteLength(html) };
}

async function writeIndex(ro: ReadOnlyWarehouse, publishedPath: string): Promise<WrittenFile & { tenants: number }> {
  const fleet = await readFleet(ro.connection);
  const href = (id: string) => (isDirectoryId(id) && existsSync(tenantReportPathFor(publishedPath, id)) ? `${REPORTS_DIR}/${id.toLowerCase()}.html` : null);
  const missing = (id: string) => (isDirectoryId(id) ? 'no report yet: written after its next run' : 'no report: its id is not a directory id');
  const html = renderFleetPage(fleet, new Date().toISOString(), { href, missing });
  const file = reportPathFor(publishedPath);
  await writeFileAtomic(file, html, 0o640);
  return { file, bytes: Buffer.byteLength(html), tenants: fleet.length };
}

export interface BesideOptions {
  /** Read under the writer's memory cap: the pipeline writes these in the warehouse worker. */
  capped?: boolean;
}

/** One read-only session of the published file for the writes beside it; close it when done. */
export interface ReportSession {
  /** One tenant's report into `reports/` (the other tenants' files are not touched). */
  writeTenant(tenantId: string): Promise<WrittenFile>;
  /** The fleet's page (`report.html`): no per-user read, cheap to rewrite after every run. */
  writeIndex(): Promise<WrittenFile & { tenants: number }>;
  /** Tenants with a snapshot. */
  tenants(): Promise<string[]>;
  close(): void;
}

export async function openReportSession(publishedPath: string, opts: BesideOptions = {}): Promise<ReportSession> {
  const ro = await openReadOnly(publishedPath, { capped: opts.capped });
  return {
    writeTenant: (tenantId) => writeTenant(ro, publishedPath, tenantId),
    writeIndex: () => writeIndex(ro, publishedPath),
    tenants: async () => (await rows(ro.connection, 'SELECT DISTINCT tenant_id FROM snapshots ORDER BY tenant_id')).map((r) => String(r.tenant_id)),
    close: () => ro.close(),
  };
}

async function inSession<T>(publishedPath: string, opts: BesideOptions, fn: (s: ReportSession) => Promise<T>): Promise<T> {
  const session = await openReportSession(publishedPath, opts);
  try {
    return await fn(session);
  } finally {
    session.close();
  }
}

/** One tenant's report into `reports/`; the id is checked before the warehouse is opened. */
export async function writeTenantReportBesidePublished(publishedPath: string, tenantId: string, opts: BesideOptions = {}): Promise<WrittenFile> {
  tenantReportPathFor(publishedPath, tenantId);
  return inSession(publishedPath, opts, (s) => s.writeTenant(tenantId));
}

export async function writeFleetIndexBesidePublished(publishedPath: string, opts: BesideOptions = {}): Promise<WrittenFile & { tenants: number }> {
  return inSession(publishedPath, opts, (s) => s.writeIndex());
}

/**
 * Every tenant's report and the fleet's page, through one read-only session (the `report` command's default).
 * Tenants whose id is not a directory id are skipped and returned, so the caller can say so.
 */
export async function writeAllBesidePublished(publishedPath: string, opts: BesideOptions = {}): Promise<{ index: WrittenFile; reports: WrittenFile[]; skipped: string[] }> {
  return inSession(publishedPath, opts, async (s) => {
    const ids = await s.tenants();
    const reports: WrittenFile[] = [];
    for (const id of ids.filter(isDirectoryId)) reports.push(await s.writeTenant(id));
    return { index: await s.writeIndex(), reports, skipped: ids.filter((id) => !isDirectoryId(id)) };
  });
}
