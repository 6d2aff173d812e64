// Reads the working database as analysts see it after a publish: the marts of tenants marked due (a load, a
// settings, price or contract change) are recomputed first, as publish does, then the query runs.
import { historyRootFor } from '../../src/warehouse/history/layout';
import { refreshDueMarts } from '../../src/warehouse/models';
import { withWriter } from '../../src/warehouse/index';

export function queryWork(work: string, sql: string): Promise<Record<string, unknown>[]> {
  return withWriter(work, async (c) => {
    await refreshDueMarts(c, historyRootFor(work));
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
  });
}
