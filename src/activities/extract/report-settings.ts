// readReportSettings: whether the tenant's reports conceal names (decides how report rows join the roster).
import type { ReportSettings } from '../../shared/staging-contract';
import { withActivityGraph } from '../graph-context';
import type { ExtractDeps } from './types';

/** The tenant's "display concealed names" setting, when the app may read it. */
export function createReadReportSettings(deps: Pick<ExtractDeps, 'graphFor'>) {
  return async function readReportSettings(input: { tenantId: string }): Promise<ReportSettings | null> {
    const body = await withActivityGraph(deps.graphFor, input.tenantId, (graph) =>
      graph.getJson<{ displayConcealedNames?: boolean; value?: { displayConcealedNames?: boolean } }>('/v1.0/admin/reportSettings'),
    );
    // The documented sample wraps the entity in `value`; the service likely sends it bare. Accept both.
    const flag = body.displayConcealedNames ?? body.value?.displayConcealedNames;
    return typeof flag === 'boolean' ? { displayConcealedNames: flag } : null;
  };
}
