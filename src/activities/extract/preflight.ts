// The daily sync's first activity: the run's date is not in the future and the app holds the roles it needs.
import { preflight as graphPreflight } from '../../graph/preflight';
import { allows } from '../../graph/permissions';
import { futureDateProblem } from '../../shared/snapshot-date';
import { StagingError } from '../../warehouse/index';
import type { ExtractDeps, PreflightResult } from './types';

/** Gets a token and checks its roles; fails non-retryably naming each missing permission. */
export function createExtractPreflight(deps: Pick<ExtractDeps, 'graphFor'>) {
  return async function preflight(input: { tenantId: string; needReclaim: boolean; snapshotDate?: string }): Promise<PreflightResult> {
    // Before any Graph call: a run for a day that has not happened is refused here, not after its extract.
    const future = input.snapshotDate === undefined ? undefined : futureDateProblem(input.snapshotDate, "The run's snapshot date");
    if (future) throw new StagingError(future);
    const { tokens } = deps.graphFor(input.tenantId);
    // A fresh token, so consent granted or revoked since the cached one shows in this run's check.
    await tokens.getToken({ forceRefresh: true });
    const p = await graphPreflight(tokens, { needReclaim: input.needReclaim });
    return { roles: p.roles, canReadReportSettings: p.canReadReportSettings, canReclaim: p.canReclaim, canReadSignIns: allows(p.roles, 'readSignInActivity') };
  };
}
