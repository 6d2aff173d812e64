// Reads for warehouse tests. The working database is read as analysts see it after a publish: the marts of tenants
// marked due (a load, a settings, price or contract change) are recomputed first, as publish does. Any other file
// is opened read-only, as analysts open the published one.
import { historyRootFor } from '../../src/warehouse/history/layout';
import { refreshDueMarts } from '../../src/warehouse/models/build';
import { openReadOnly, withWriter } from '../../src/warehouse/index';

type Rows = Record<string, unknown>[];

export function queryWork(work: string, sql: string): Promise<Rows> {
  return withWriter(work, async (c) => {
    await refreshDueMarts(c, historyRootFor(work));
    return (await c.runAndReadAll(sql)).getRowObjectsJson() as Rows;
  });
}

export async function queryPublished(file: string, sql: string): Promise<Rows> {
  const ro = await openReadOnly(file);
  try {
    return (await ro.query(sql)).rows;
  } finally {
    ro.close();
  }
}

/** `file` is the working database (`work`) or a published copy. */
export const queryWarehouse = (work: string, sql: string, file = work): Promise<Rows> => (file === work ? queryWork(work, sql) : queryPublished(file, sql));
