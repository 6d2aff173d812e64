// Sign-in times are their own roster table (`sign_ins`), apart from `users`: they move daily for most users, and
// the users roster must not. Simulated days with AuditLog.Read.All granted (the real extract path) check the stored
// changes and the times as of each day; a crafted version-9 warehouse (times inside the `users` partitions) checks
// the upgrade splits its history exactly and the next load carries on from it.
import { mkdirSync, renameSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PIPELINE_GRANTS } from '../../../src/graph/permissions';
import { closeWarehouse, loadStagingDir } from '../../../src/warehouse/index';
import { simulatedDays, type SimulatedDay, type SimulatedTenant } from '../../support/simulated-days';
import { craftedTenant, TENANT as CRAFTED, writeTenant } from '../../support/spend-tenant';
import { tempDir } from '../../support/staging-fixtures';
import { expectedChanges, stagedRoster, stagedSignIns } from '../../support/history-readers';
import { warehouseAtVersion } from '../../support/old-warehouse';
import { queryWork } from '../../support/work-query';

const SIGNED: SimulatedTenant = {
  seed: 43,
  users: 250,
  today: '2024-05-10',
  churn: { hiresPerDay: 0.01, leaversPerDay: 0.01, licenceChangesPerDay: 0.02, disabledPerDay: 0.01 },
  roles: [...PIPELINE_GRANTS, 'AuditLog.Read.All'],
};

afterEach(async () => {
  await closeWarehouse();
});

/** Sign-in times as epoch ms per user, as the warehouse answers `sql` (columns user_id and the three times). */
async function timesFrom(work: string, sql: string): Promise<Map<string, (number | null)[]>> {
  const rows = await queryWork(
    work,
    `SELECT user_id, epoch_ms(last_sign_in_at) AS a, epoch_ms(last_non_interactive_sign_in_at) AS b, epoch_ms(last_successful_sign_in_at) AS c
     FROM (${sql}) WHERE coalesce(last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at) IS NOT NULL`,
  );
  return new Map(rows.map((r) => [String(r.user_id), [r.a, r.b, r.c].map((v) => (v === null ? null : Number(v)))]));
}

const sorted = <V>(m: Map<string, V>): [string, V][] => [...m.entries()].sort(([a], [b]) => a.localeCompare(b));

describe('sign-ins apart from the users roster', () => {
  let days: SimulatedDay[];
  beforeAll(async () => {
    days = await simulatedDays(SIGNED, [0, 1, 2, 3]);
  }, 120_000);

  it('stores sign-in changes apart: the users roster changes only where a user did; the times as of each day are those loaded', async () => {
    const work = path.join(tempDir('wh-signins-'), 'work', 'm365.duckdb');
    const tenant = days[0]!.tenantId;
    for (const d of days) await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: d.dir });
    const stored = async (table: 'users' | 'sign_ins', date: string) =>
      (await queryWork(work, `SELECT user_id || ':' || change AS c FROM ${table}_changes WHERE tenant_id = '${tenant}' AND snapshot_date = '${date}' ORDER BY 1`)).map((r) => r.c);
    for (let n = 1; n < days.length; n++) {
      const [prev, cur] = [days[n - 1]!, days[n]!];
      const users = expectedChanges(prev.dir, cur.dir, 'users');
      const signIns = expectedChanges(prev.dir, cur.dir, 'sign_ins');
      expect(await stored('users', cur.snapshotDate)).toEqual(users);
      expect(await stored('sign_ins', cur.snapshotDate)).toEqual(signIns);
      // The point of the split: sign-ins move for most users each day, the roster for a few.
      expect(users.length).toBeLessThan(stagedRoster(cur.dir).length / 10);
      expect(signIns.length).toBeGreaterThan(stagedSignIns(cur.dir).size / 2);
    }
    for (const d of days) {
      const asOf = `SELECT * FROM users_as_of(DATE '${d.snapshotDate}') WHERE tenant_id = '${tenant}'`;
      expect(sorted(await timesFrom(work, asOf))).toEqual(sorted(stagedSignIns(d.dir)));
      const perSnapshot = `SELECT * FROM users WHERE tenant_id = '${tenant}' AND snapshot_date = '${d.snapshotDate}'`;
      expect(sorted(await timesFrom(work, perSnapshot))).toEqual(sorted(stagedSignIns(d.dir)));
      // Every user of the day is still in users_as_of, with or without a sign-in.
      expect((await queryWork(work, `SELECT count(*)::INT AS n FROM (${asOf})`))[0]!.n).toBe(stagedRoster(d.dir).length);
    }
    // The current state and the marts carry the latest day's times.
    const latest = stagedSignIns(days[days.length - 1]!.dir);
    expect(sorted(await timesFrom(work, 'SELECT * FROM current_sign_ins'))).toEqual(sorted(latest));
    expect(sorted(await timesFrom(work, 'SELECT * FROM user_last_activity'))).toEqual(sorted(latest));
    expect((await queryWork(work, `SELECT count(*)::INT AS n FROM duckdb_columns() WHERE table_name = 'current_users' AND column_name LIKE '%sign_in%'`))[0]!.n).toBe(0);
  });

  it('a day loaded without sign-ins leaves no times, and the next day with them has them again', async () => {
    const work = path.join(tempDir('wh-signins-'), 'work', 'm365.duckdb');
    const tenant = days[0]!.tenantId;
    const noSignIns = (await simulatedDays({ ...SIGNED, roles: undefined }, [1]))[0]!;
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: days[0]!.dir });
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: noSignIns.dir });
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: days[2]!.dir });
    const on = (n: number) => timesFrom(work, `SELECT * FROM users_as_of(DATE '${days[n]!.snapshotDate}') WHERE tenant_id = '${tenant}'`);
    expect((await on(1)).size).toBe(0);
    expect(sorted(await on(0))).toEqual(sorted(stagedSignIns(days[0]!.dir)));
    expect(sorted(await on(2))).toEqual(sorted(stagedSignIns(days[2]!.dir)));
  });
});

// A version-9 warehouse: three days of one tenant whose `users` partitions carry the sign-in times as columns.
// alice signs in on each day; bob has no time until the third day; carol arrives on the second and leaves on the third.
const D = ['2026-05-10', '2026-05-11', '2026-05-12'];
const at = (s: string | null) => (s === null ? 'NULL::TIMESTAMPTZ' : `TIMESTAMPTZ '${s}'`);
const OLD_USERS: Record<string, [string, string, string, string | null, string | null, string | null][]> = {
  [D[0]!]: [
    ['u-alice', 'upsert', 'Sales', '2026-05-09 08:00:00+00', null, '2026-05-09 08:00:00+00'],
    ['u-bob', 'upsert', 'Sales', null, null, null],
  ],
  [D[1]!]: [
    ['u-alice', 'upsert', 'Sales', '2026-05-11 07:00:00+00', '2026-05-11 07:30:00+00', '2026-05-11 07:30:00+00'],
    ['u-carol', 'upsert', 'Finance', '2026-05-10 12:00:00+00', null, null],
  ],
  [D[2]!]: [
    ['u-alice', 'upsert', 'Finance', '2026-05-11 07:00:00+00', '2026-05-11 07:30:00+00', '2026-05-11 07:30:00+00'],
    ['u-bob', 'upsert', 'Sales', '2026-05-12 06:00:00+00', null, null],
    ['u-carol', 'delete', '', null, null, null],
  ],
};

const versionNineWarehouse = (work: string): Promise<void> =>
  warehouseAtVersion(work, 9, async (c) => {
    const history = path.join(path.dirname(path.dirname(work)), 'history');
    const t = `'${CRAFTED}'`;
    for (const [n, date] of D.entries()) {
      const dir = path.join(history, 'users', `tenant_id=${CRAFTED}`, `snapshot_date=${date}`);
      mkdirSync(dir, { recursive: true });
      const rows = OLD_USERS[date]!.map(
        ([id, change, dept, a, b, s]) =>
          `SELECT '${id}' AS user_id, '${change}' AS change, '${id.slice(2)}@crafted.test' AS user_principal_name, NULL::VARCHAR AS display_name,
              NULL::VARCHAR AS mail, true AS account_enabled, 'Member' AS user_type, NULL::TIMESTAMPTZ AS created_at, '${dept}' AS department,
              NULL::VARCHAR AS job_title, 'US' AS usage_location, ${at(a)} AS last_sign_in_at, ${at(b)} AS last_non_interactive_sign_in_at,
              ${at(s)} AS last_successful_sign_in_at`,
      ).join(' UNION ALL ');
      const gen = `old${n}`;
      await c.run(`COPY (${rows}) TO '${path.join(dir, `part-${gen}.parquet`)}' (FORMAT parquet, COMPRESSION zstd)`);
      await c.run(`INSERT INTO history_partitions VALUES (${t}, 'users', DATE '${date}', '${gen}', ${OLD_USERS[date]!.length}, 1, ${n === 0}, now(), NULL)`);
      await c.run(`INSERT INTO snapshots (tenant_id, snapshot_date, run_id, loaded_at, activity_loaded, concealed, stale, report_refresh_date, sign_in_loaded)
      VALUES (${t}, DATE '${date}', 'r${n}', now(), false, false, false, NULL, true)`);
    }
    await c.run(`INSERT INTO current_users (tenant_id, snapshot_date, user_id, user_principal_name, department, last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at)
    VALUES (${t}, DATE '${D[2]}', 'u-alice', 'alice@crafted.test', 'Finance', ${at('2026-05-11 07:00:00+00')}, ${at('2026-05-11 07:30:00+00')}, ${at('2026-05-11 07:30:00+00')}),
           (${t}, DATE '${D[2]}', 'u-bob', 'bob@crafted.test', 'Sales', ${at('2026-05-12 06:00:00+00')}, NULL, NULL)`);
  });

describe('upgrade from version 9 (sign-in times inside the users partitions)', () => {
  it('splits every kept day into sign_ins partitions with the same answers, and the next load carries on', async () => {
    const root = tempDir('wh-v9-');
    const work = path.join(root, 'work', 'm365.duckdb');
    await versionNineWarehouse(work);
    const ms = (s: string | null) => (s === null ? null : Date.parse(s.replace(' ', 'T').replace('+00', 'Z')));
    const expectedOn = (n: number): [string, (number | null)[]][] => {
      const state = new Map<string, (number | null)[]>();
      for (const date of D.slice(0, n + 1)) {
        for (const [id, change, , a, b, s] of OLD_USERS[date]!) {
          if (change === 'delete' || (a ?? b ?? s) === null) state.delete(id);
          else state.set(id, [ms(a), ms(b), ms(s)]);
        }
      }
      return sorted(state);
    };
    for (const [n, date] of D.entries()) {
      expect(sorted(await timesFrom(work, `SELECT * FROM users_as_of(DATE '${date}')`)), date).toEqual(expectedOn(n));
      expect(sorted(await timesFrom(work, `SELECT * FROM users WHERE snapshot_date = '${date}'`)), date).toEqual(expectedOn(n));
    }
    // The roster itself is as it was: carol appears on the second day and is gone on the third.
    expect(await queryWork(work, `SELECT snapshot_date::VARCHAR AS d, string_agg(user_id, ',' ORDER BY user_id) AS u FROM users GROUP BY 1 ORDER BY 1`)).toEqual([
      { d: D[0], u: 'u-alice,u-bob' },
      { d: D[1], u: 'u-alice,u-bob,u-carol' },
      { d: D[2], u: 'u-alice,u-bob' },
    ]);
    expect(sorted(await timesFrom(work, 'SELECT * FROM current_sign_ins'))).toEqual(expectedOn(2));
    expect(await queryWork(work, `SELECT count(*)::INT AS n FROM duckdb_tables() WHERE table_name = 'sign_ins_split_pending'`)).toEqual([{ n: 0 }]);
    expect(await queryWork(work, `SELECT snapshot_date::VARCHAR AS d, base FROM history_partitions WHERE table_name = 'sign_ins' ORDER BY 1`)).toEqual(
      D.map((d, n) => ({ d, base: n === 0 })),
    );
    // The next day's load computes its sign-in changes against the split current state.
    const next = craftedTenant('2026-05-20', 10);
    next.users = next.users.map((u) => (u.id === 'u-dan' ? { ...u, signIn: { last: '2026-05-19T08:00:00Z' } } : u));
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeTenant(path.join(root, 'next'), next) });
    expect(await queryWork(work, `SELECT user_id || ':' || change AS c FROM sign_ins_changes WHERE snapshot_date = '2026-05-20' ORDER BY 1`)).toEqual([
      { c: 'u-alice:delete' },
      { c: 'u-bob:delete' },
      { c: 'u-dan:upsert' },
    ]);
    expect(sorted(await timesFrom(work, 'SELECT * FROM user_last_activity'))).toEqual([['u-dan', [Date.parse('2026-05-19T08:00:00Z'), null, null]]]);
  });

  it('a kept users file that cannot be read stops the writer naming it, and the split resumes once it is back', async () => {
    const root = tempDir('wh-v9-');
    const work = path.join(root, 'work', 'm365.duckdb');
    await versionNineWarehouse(work);
    const file = path.join(root, 'history', 'users', `tenant_id=${CRAFTED}`, `snapshot_date=${D[1]}`, 'part-old1.parquet');
    renameSync(file, `${file}.away`);
    const err = await queryWork(work, 'SELECT 1').then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toContain(file);
    expect(err?.message).toContain('Restore that file');
    await closeWarehouse();
    renameSync(`${file}.away`, file);
    expect(sorted(await timesFrom(work, `SELECT * FROM users_as_of(DATE '${D[1]}')`))).toHaveLength(2);
    expect(await queryWork(work, `SELECT count(*)::INT AS n FROM history_partitions WHERE table_name = 'sign_ins'`)).toEqual([{ n: 3 }]);
  });
});
