// Extracts for the money views: the tenant's commerce subscriptions and the Microsoft 365 Copilot usage
// report. Both are optional inputs of the load: an app or tenant that cannot give them still gets its daily run,
// and the activity says so by returning null (only ids and counts cross into workflow history).
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { GraphBadRequestError, GraphNotFoundError, GraphPermissionError } from '../graph/errors';
import type { GraphClient } from '../graph/client';
import { COPILOT_USAGE_REPORT, STAGING_LAYOUT, type StagedFile } from '../shared/staging-contract';
import type { ExtractInput, ReportPeriod } from './extract';
import { withActivityGraph, type GraphFactory } from './graph-context';
import { sha256OfFiles, writeFileAtomic } from './staging-files';
import { runStagingDir } from './staging-layout';

/** The Copilot report's v1.0 periods are D7, D30, D90, D180 and ALL, a superset of ours. */
const copilotPeriod = (p: ReportPeriod): string => p;

export function createSpendExtractActivities(deps: { dataDir: string; graphFor: GraphFactory }) {
  const withClient = <T>(tenantId: string, fn: (graph: GraphClient) => Promise<T>): Promise<T> => withActivityGraph(deps.graphFor, tenantId, fn);
  /** An answer that means "this tenant or app has none of it": the run goes on without it. */
  const absent = (err: unknown): boolean => err instanceof GraphPermissionError || err instanceof GraphNotFoundError || err instanceof GraphBadRequestError;

  return {
    /** GET /directory/subscriptions, every page's values in one staged `{"value": [...]}`; null when not allowed. */
    async extractSubscriptions(input: ExtractInput): Promise<StagedFile | null> {
      const runDir = runStagingDir(deps.dataDir, input.tenantId, input.runId);
      await mkdir(runDir, { recursive: true });
      let value: unknown[];
      try {
        value = await withClient(input.tenantId, async (graph) => {
          const all: unknown[] = [];
          // Few subscriptions, one page expected; follow @odata.nextLink should one appear.
          for (let next: string | undefined = '/v1.0/directory/subscriptions'; next;) {
            const page: { value?: unknown[]; '@odata.nextLink'?: string } = await graph.getJson(next);
            all.push(...(page.value ?? []));
            next = page['@odata.nextLink'];
          }
          return all;
        });
      } catch (err) {
        if (!absent(err)) throw err;
        Context.current().log.warn('subscriptions not extracted: renewal dates and trials will be unknown', { error: (err as Error).name, code: (err as { code?: string }).code });
        return null;
      }
      const file = path.join(runDir, STAGING_LAYOUT.subscriptions);
      await writeFileAtomic(file, JSON.stringify({ value }));
      const { sha256, bytes } = await sha256OfFiles([file]);
      return { path: file, count: value.length, bytes, sha256 };
    },

    /** The Copilot usage user-detail CSV (v1.0; 200 with the CSV, or a 302 like the other reports); null when absent. */
    async extractCopilotReport(input: ExtractInput & { period: ReportPeriod }): Promise<StagedFile | null> {
      const runDir = runStagingDir(deps.dataDir, input.tenantId, input.runId);
      const file = path.join(runDir, COPILOT_USAGE_REPORT.file);
      await mkdir(path.dirname(file), { recursive: true });
      try {
        const r = await withClient(input.tenantId, (graph) =>
          graph.downloadReport(`/v1.0/copilot/reports/getMicrosoft365CopilotUsageUserDetail(period='${copilotPeriod(input.period)}')`, file),
        );
        return { path: file, count: r.rows, bytes: r.bytes, sha256: r.sha256 };
      } catch (err) {
        if (!absent(err)) throw err;
        Context.current().log.warn('Copilot usage report not extracted', { error: (err as Error).name, code: (err as { code?: string }).code });
        return null;
      }
    },
  };
}
