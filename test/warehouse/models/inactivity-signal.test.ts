// The inactivity signal on a crafted tenant: reports, sign-ins, or both (the later of the two), per tenant.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryWork } from '../../support/work-query';
import { closeWarehouse, loadStagingDir, updateSignalSettings } from '../../../src/warehouse/index';
import { tempDir } from '../../support/staging-fixtures';
import { craftedTenant, TENANT, writeTenant, type TenantSpec } from '../../support/spend-tenant';

let root: string;
let work: string;
const rows = (sql: string) => queryWork(work, sql);

/** dan is idle in the reports (last activity 2025-12-01) but signed in on 2026-05-19; eve never signed in at all. */
function withSignIns(spec: TenantSpec): TenantSpec {
  return {
    ...spec,
    users: spec.users.map((u) => ({
      ...u,
      signIn:
        u.id === 'u-dan'
          ? { last: '2026-05-19T08:00:00Z', nonInteractive: '2026-05-19T09:30:00Z', successful: '2026-05-19T09:30:00Z' }
          : u.id === 'u-eve'
            ? { last: '0001-01-01T00:00:00Z', nonInteractive: '0001-01-01T00:00:00Z', successful: '' }
            : { last: `${u.activity.exchange ?? '2026-05-01'}T08:00:00Z` },
    })),
  };
}

beforeAll(async () => {
  root = tempDir('signin-');
  work = path.join(root, 'work.duckdb');
  await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeTenant(path.join(root, 's'), withSignIns(craftedTenant('2026-05-20', 10))) });
}, 60_000);
afterAll(async () => {
  await closeWarehouse();
});

const candidate = async (id: string) => (await rows(`SELECT user_id, days_inactive, inactivity_signal FROM inactive_licensed_users WHERE user_id = '${id}'`))[0] ?? null;

describe('inactivity signal', () => {
  it('loads the sign-in times; the never sentinel and "" are NULL', async () => {
    expect(
      await rows(`SELECT user_id, last_sign_in_at::VARCHAR AS i, last_non_interactive_sign_in_at::VARCHAR AS ni, last_successful_sign_in_at::VARCHAR AS s
      FROM users WHERE user_id IN ('u-dan', 'u-eve') ORDER BY user_id`),
    ).toEqual([
      { user_id: 'u-dan', i: '2026-05-19 08:00:00+00', ni: '2026-05-19 09:30:00+00', s: '2026-05-19 09:30:00+00' },
      { user_id: 'u-eve', i: null, ni: null, s: null },
    ]);
    expect(await rows(`SELECT sign_in_loaded FROM snapshots`)).toEqual([{ sign_in_loaded: true }]);
  });

  it('both (default): the later of reports and sign-ins, so dan, who signed in yesterday, is no candidate', async () => {
    expect(await candidate('u-dan')).toBeNull();
    expect(await rows(`SELECT last_seen_date::VARCHAR AS seen, days_inactive, report_days_inactive FROM user_last_activity WHERE user_id = 'u-dan'`)).toEqual([
      { seen: '2026-05-19', days_inactive: 1, report_days_inactive: 168 },
    ]);
    expect(await candidate('u-eve')).toEqual({ user_id: 'u-eve', days_inactive: null, inactivity_signal: 'both' });
    expect(await rows(`SELECT DISTINCT evidence FROM savings_opportunities WHERE user_id = 'u-eve'`)).toEqual([
      { evidence: 'account disabled (sign-in blocked); never signed in and no activity in the usage reports (as of 2026-05-18)' },
    ]);
    expect(await rows(`SELECT count(*)::INT AS n FROM savings_opportunities WHERE user_id = 'u-dan'`)).toEqual([{ n: 0 }]);
  });

  it('reports: dan is a candidate again (168 days without activity in the reports)', async () => {
    await updateSignalSettings(work, TENANT, { inactivitySignal: 'reports' });
    expect(await candidate('u-dan')).toEqual({ user_id: 'u-dan', days_inactive: 168, inactivity_signal: 'reports' });
    await updateSignalSettings(work, TENANT, { inactivitySignal: 'both' });
    expect(await candidate('u-dan')).toBeNull();
  });

  it('copilot idle days are a setting too', async () => {
    expect((await rows(`SELECT user_id FROM copilot_idle_seats`)).map((r) => r.user_id)).toEqual(['u-ben']);
    await updateSignalSettings(work, TENANT, { copilotIdleDays: 5 });
    // ana last used Copilot on 2026-05-10, 8 days before the report: idle once the threshold is 5 days.
    expect((await rows(`SELECT user_id FROM copilot_idle_seats ORDER BY user_id`)).map((r) => r.user_id)).toEqual(['u-ana', 'u-ben']);
    await expect(updateSignalSettings(work, TENANT, { inactivitySignal: 'mood' as never })).rejects.toThrow(/reports, sign_in, both/);
  });
});
