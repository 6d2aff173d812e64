// The HTML report: read the published warehouse read-only, render one self-contained file. The CLI's `report`
// command and the pipeline's step after publishing (published.ts: a report per tenant and the fleet's page) end here.
import path from 'node:path';
import { writeFileAtomic } from '../shared/atomic-write';
import { openReadOnly } from '../warehouse/index';
import { readReport, type ReportData } from './data';
import { renderPage } from './page';

export type { ReportData } from './data';
export { REPORT_SQL } from './data';

export interface ReportOptions {
  /** Only this tenant; default every tenant in the warehouse. */
  tenant?: string;
  /** Read under the writer's memory cap: the report after publish runs in the warehouse worker. */
  capped?: boolean;
}

export async function buildReport(publishedPath: string, opts: ReportOptions = {}): Promise<{ html: string; data: ReportData }> {
  const ro = await openReadOnly(publishedPath, { capped: opts.capped });
  try {
    const data = await readReport(ro.connection, opts.tenant);
    return { html: renderPage(data), data };
  } finally {
    ro.close();
  }
}

/** Writes the report to `outFile` atomically (a reader never sees half a page). Returns the file and its size. */
export async function writeReport(publishedPath: string, outFile: string, opts: ReportOptions = {}): Promise<{ file: string; bytes: number; tenants: number }> {
  const { html, data } = await buildReport(publishedPath, opts);
  const file = path.resolve(outFile);
  await writeFileAtomic(file, html, 0o640);
  return { file, bytes: Buffer.byteLength(html), tenants: data.tenants.length };
}

export {
  REPORTS_DIR,
  ReportPathError,
  isDirectoryId,
  openReportSession,
  reportPathFor,
  reportsDirFor,
  tenantReportPathFor,
  writeAllBesidePublished,
  writeFleetIndexBesidePublished,
  writeTenantReportBesidePublished,
  type ReportSession,
  type WrittenFile,
} from './published';
