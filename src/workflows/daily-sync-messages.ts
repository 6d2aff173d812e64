// The dailySync workflow's public shape: its input, result and the `status` query (CLI progress, tests).
import { defineQuery } from '@temporalio/workflow';
import type { ReportPeriod, StagedFile } from '../activities/extract';
import type { AnonymizationVerdict, LoadCounts, RunStatus } from '../warehouse/index';

export interface DailySyncInput {
  tenantId: string;
  /** YYYY-MM-DD (UTC); default: the day the workflow started. */
  snapshotDate?: string;
  reportPeriod?: ReportPeriod;
  /** Staging directories kept per tenant. */
  keepRuns?: number;
  /** Also require the license-write permission at preflight. */
  needReclaim?: boolean;
}

export type DailySyncStage = 'preflight' | 'extract' | 'detect' | 'load' | 'report' | 'cleanup' | 'done' | 'failed';

export interface DailySyncStatus {
  stage: DailySyncStage;
  tenantId: string;
  snapshotDate: string;
  runId: string;
  staged: { users?: number; skus?: number; activeUserRows?: number; emailRows?: number; subscriptions?: number; copilotRows?: number };
  stageMs: Partial<Record<DailySyncStage, number>>;
  verdict?: AnonymizationVerdict;
  error?: string;
}

export interface DailySyncResult {
  runId: string;
  tenantId: string;
  snapshotDate: string;
  status: RunStatus;
  message: string;
  counts: LoadCounts;
  verdict: AnonymizationVerdict;
  stageMs: Partial<Record<DailySyncStage, number>>;
  stagingDir: string;
  staged: { users: StagedFile; skus: StagedFile; reports: StagedFile[]; subscriptions?: StagedFile | null };
}

export const dailySyncStatusQuery = defineQuery<DailySyncStatus>('status');
