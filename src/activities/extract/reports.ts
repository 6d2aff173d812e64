// extractReport: one usage report downloaded into the run's staging directory.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { REPORT_NAMES, type ReportName } from '../../shared/staging-contract';
import { withActivityGraph } from '../graph-context';
import { reportFile, runStagingDir } from '../staging-layout';
import type { ExtractDeps, ExtractInput, ReportPeriod, StagedFile } from './types';

export function createExtractReport(deps: Pick<ExtractDeps, 'dataDir' | 'graphFor'>) {
  return async function extractReport(input: ExtractInput & { report: ReportName; period: ReportPeriod }): Promise<StagedFile> {
    if (!REPORT_NAMES.includes(input.report)) throw new Error(`Unknown report ${input.report}`);
    const runDir = runStagingDir(deps.dataDir, input.tenantId, input.runId);
    const file = reportFile(runDir, input.report);
    await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    const r = await withActivityGraph(deps.graphFor, input.tenantId, (graph) => graph.downloadReport(`/v1.0/reports/${input.report}(period='${input.period}')`, file));
    return { path: file, count: r.rows, bytes: r.bytes, sha256: r.sha256 };
  };
}
