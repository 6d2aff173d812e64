// The Copilot report alone conceals names (the setting reaches each report at its own time): its rows are
// quarantined as concealed, the run names the report, and nothing is inferred from it: no idle Copilot seats, no
// Copilot savings; the other reports' activity still loads.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryWork } from '../../support/work-query';
import { closeWarehouse, loadStagingDir } from '../../../src/warehouse/index';
import { tempDir } from '../../support/staging-fixtures';
import { craftedTenant, writeTenant } from '../../support/spend-tenant';

let work: string;
let message = '';
const rows = (sql: string): Promise<Record<string, unknown>[]> => queryWork(work, sql);

beforeAll(async () => {
  const root = tempDir('copilot-concealed-');
  work = path.join(root, 'work.duckdb');
  const r = await loadStagingDir({
    historyDays: 0,
    workDbPath: work,
    stagingDir: writeTenant(path.join(root, 's'), { ...craftedTenant('2026-05-20', 10), copilotConcealed: true }),
  });
  expect(r.status).toBe('succeeded');
  message = (await rows('SELECT message FROM runs'))[0]!.message as string;
}, 60_000);
afterAll(async () => {
  await closeWarehouse();
});

describe('only the Copilot report conceals names', () => {
  it('the run says which report and that nothing is inferred from it', () => {
    expect(message).toMatch(/Copilot usage report \(getMicrosoft365CopilotUsageUserDetail\) conceals user names \(100% of 3 rows\)/);
    expect(message).toMatch(/no idle Copilot seats or Copilot savings are inferred/);
  });
  it('its rows are quarantined as concealed; the other reports load', async () => {
    expect(await rows(`SELECT reason, count(*)::INT AS n FROM suspicious_activity WHERE report = 'getMicrosoft365CopilotUsageUserDetail' GROUP BY 1`)).toEqual([
      { reason: 'concealed', n: 3 },
    ]);
    expect(await rows('SELECT activity_loaded, concealed FROM snapshots')).toEqual([{ activity_loaded: true, concealed: false }]);
    expect(await rows('SELECT count(*)::INT AS n FROM copilot_activity')).toEqual([{ n: 0 }]);
  });
  it('no idle Copilot seats and no Copilot savings', async () => {
    expect(await rows('SELECT * FROM copilot_idle_seats')).toEqual([]);
    expect(await rows(`SELECT count(*)::INT AS n FROM savings_opportunities WHERE sku_part_number = 'Microsoft_365_Copilot'`)).toEqual([{ n: 0 }]);
  });
});
