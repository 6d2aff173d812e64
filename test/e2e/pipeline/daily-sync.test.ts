import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startDailySync } from '../../../src/cli/start-daily';
import { openReadOnly } from '../../../src/warehouse';
import { startPipeline, type PipelineFixture } from '../../support/pipeline';
import { historyText, JWT_IN_TEXT } from '../../support/history';
import { connectClient } from '../../support/temporal';
import { daysBefore, todayUtc } from '../../support/dates';

/** Days counted back from today (UTC), the clock the simulator and the pipeline read. */
const TODAY = todayUtc();
const D = (daysAgo: number): string => daysBefore(TODAY, daysAgo);

const count = async (dbPath: string, sql: string): Promise<number> => {
  const db = await openReadOnly(dbPath);
  try {
    return Number((await db.query(sql)).rows[0]?.n);
  } finally {
    db.close();
  }
};

describe('dailySync end to end (real Temporal, simulator, DuckDB)', () => {
  let p: PipelineFixture;
  let client: Awaited<ReturnType<typeof connectClient>>;
  beforeAll(async () => {
    p = await startPipeline({ sim: { users: 2000, seed: 7, today: TODAY } });
    client = await connectClient();
  });
  afterAll(async () => {
    await client?.close();
    await p?.stop();
  });
  const run = (snapshotDate: string, force = false) => startDailySync(client.client, { tenantId: p.sim.tenantId, snapshotDate }, { force, taskQueue: p.taskQueue });

  it('stages, loads and publishes a snapshot analysts can query; history holds no personal data or secret', async () => {
    const handle = await run(D(7));
    const result = await handle.result();
    expect(result.status).toBe('succeeded');
    expect(result.staged.users.count).toBe(p.sim.state.userCount);
    expect(result.counts.users).toBe(p.sim.state.userCount);
    const tenant = `tenant_id = '${p.sim.tenantId}'`;
    expect(await count(p.config.dbPath, `select count(*) n from users where ${tenant} and snapshot_date = '${D(7)}'`)).toBe(p.sim.state.userCount);
    expect(await count(p.config.dbPath, `select count(*) n from license_utilization where ${tenant}`)).toBeGreaterThan(3);
    expect(await count(p.config.dbPath, `select count(*) n from inactive_licensed_users where ${tenant}`)).toBeGreaterThan(0);
    expect(await count(p.config.dbPath, `select count(*) n from runs where run_id = '${result.runId}' and status = 'succeeded'`)).toBe(1);
    // The tenant's HTML report is rewritten beside the published file after each load, and the page at the path the
    // docs give (report.html) links it.
    const dir = path.dirname(p.config.dbPath);
    const report = readFileSync(path.join(dir, 'reports', `${p.sim.tenantId}.html`), 'utf8');
    expect(report).toContain('<svg');
    expect(report).toContain(`Snapshot of ${D(7)}`);
    expect(report).not.toMatch(/<script/i);
    expect(readFileSync(path.join(dir, 'report.html'), 'utf8')).toContain(`href="reports/${p.sim.tenantId}.html"`);

    const text = await historyText(client.client, handle.workflowId);
    expect(text).not.toContain(p.sim.clientSecret);
    expect(text).not.toMatch(JWT_IN_TEXT); // no JWT
    for (const i of [0, 1, 2, 17, 500, 1999]) {
      const u = p.sim.state.userAt(i);
      expect(text).not.toContain(u.userPrincipalName);
      expect(text).not.toContain(u.displayName);
    }
  });

  it('refuses a second start for the same date, and --force reruns it idempotently (one snapshot)', async () => {
    const first = await (await run(D(6))).result();
    await expect(run(D(6))).rejects.toThrow(/already exists.*--force/);
    const second = await (await run(D(6), true)).result();
    expect(second.counts).toEqual(first.counts);
    const snap = `tenant_id = '${p.sim.tenantId}' and snapshot_date = '${D(6)}'`;
    expect(await count(p.config.dbPath, `select count(*) n from users where ${snap}`)).toBe(p.sim.state.userCount);
    expect(await count(p.config.dbPath, `select count(*) n from license_assignments where ${snap}`)).toBe(first.counts.assignments);
  });

  it('a concealed tenant ends degraded with the admin instructions, keeping the previous activity snapshot', async () => {
    await (await run(D(5))).result();
    const activityBefore = await count(p.config.dbPath, `select count(*) n from user_last_activity where last_activity_date is not null and tenant_id = '${p.sim.tenantId}'`);
    p.sim.state.setConcealed(true);
    try {
      const r = await (await run(D(4))).result();
      expect(r.status).toBe('degraded');
      expect(r.verdict.concealed).toBe(true);
      expect(r.message).toContain('Display concealed user, group, and site names in all reports');
      expect(await count(p.config.dbPath, `select count(*) n from suspicious_activity where reason = 'concealed' and snapshot_date = '${D(4)}'`)).toBeGreaterThan(0);
      const after = await count(p.config.dbPath, `select count(*) n from user_last_activity where last_activity_date is not null and tenant_id = '${p.sim.tenantId}'`);
      expect(after).toBe(activityBefore);
      expect(await count(p.config.dbPath, `select count(*) n from runs where snapshot_date = '${D(4)}' and status = 'degraded'`)).toBe(1);
    } finally {
      p.sim.state.setConcealed(false);
    }
  });

  it('a failed run records why and leaves the published snapshot in place', async () => {
    const before = await count(p.config.dbPath, `select count(*) n from users`);
    p.sim.state.setRoles(['Directory.Read.All']);
    try {
      const handle = await run(D(3));
      await expect(handle.result()).rejects.toThrow();
      expect(await count(p.config.dbPath, `select count(*) n from runs where snapshot_date = '${D(3)}' and status = 'failed' and message like '%Reports.Read.All%'`)).toBe(1);
      expect(await count(p.config.dbPath, `select count(*) n from users`)).toBe(before);
    } finally {
      p.sim.state.setRoles(['Directory.Read.All', 'Reports.Read.All', 'LicenseAssignment.ReadWrite.All', 'ReportSettings.Read.All']);
    }
  });
});
