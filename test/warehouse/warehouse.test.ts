import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { queryWarehouse } from '../support/work-query';
import { AUDIT } from '../../src/shared/audit';
import { REPORTS } from '../../src/shared/staging-contract';
import {
  closeWarehouse,
  detectAnonymization,
  loadStagingDir,
  MalformedReportError,
  publish,
  recordReclamationEvent,
  recordRun,
  sampleAnonymization,
  updateSettings,
  validateStagedReports,
  WarehouseLockedError,
} from '../../src/warehouse/index';
import { E3, E5, GROUP, TENANT, warehouseFiles, writeStaging } from '../support/staging-fixtures';

let root: string;
let work: string;
let published: string;

beforeEach(() => ({ root, work, published } = warehouseFiles()));
afterEach(() => closeWarehouse());

const staging = (opts: Parameters<typeof writeStaging>[1] = {}) => writeStaging(path.join(root, 'staging', TENANT), opts);

const rows = (sql: string, file = work) => queryWarehouse(work, sql, file);

const TABLES = [
  'users',
  'skus',
  'license_assignments',
  'service_activity',
  'suspicious_activity',
  'office365_active_user_detail',
  'email_activity_user_detail',
  'snapshots',
  'runs',
];
const tableCounts = async () => Object.fromEntries(await Promise.all(TABLES.map(async (t) => [t, Number((await rows(`SELECT count(*) AS n FROM ${t}`))[0]!.n)])));

describe('loading a hand-made staging directory', () => {
  it('loads the exact expected rows (BOM, CRLF, comma in a name, guest, deleted and unknown users, empty dates)', async () => {
    const r = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging() });
    expect(r.status).toBe('succeeded');
    expect(r.tenantId).toBe(TENANT);
    expect(r.snapshotDate).toBe('2024-05-10');
    expect(r.counts).toEqual({ users: 6, licensedUsers: 5, skus: 2, assignments: 5, activityRows: 42, suspiciousRows: 3 });
    expect(r.verdict).toEqual({ concealed: false, ratio: 0, rowsChecked: 15, matchedToRoster: 12, reportRefreshDate: '2024-05-08', stale: false });

    const users = await rows(`SELECT user_id, user_principal_name, display_name, account_enabled, user_type, created_at::VARCHAR AS created
      FROM users ORDER BY user_id`);
    expect(users).toContainEqual({
      user_id: 'u-alice',
      user_principal_name: 'alice@contoso.com',
      display_name: 'Smith, Alice',
      account_enabled: true,
      user_type: 'Member',
      created: '2019-01-10 08:00:00+00',
    });
    expect(users).toContainEqual(expect.objectContaining({ user_id: 'u-guest', user_type: 'Guest', user_principal_name: 'jane_fabrikam.com#EXT#@contoso.onmicrosoft.com' }));
    expect(users.find((u) => u.user_id === 'u-carol')).toMatchObject({ account_enabled: false, created: null });

    expect(await rows(`SELECT user_id, sku_id, assigned_by_group FROM license_assignments ORDER BY user_id`)).toEqual([
      { user_id: 'u-alice', sku_id: E5, assigned_by_group: null },
      { user_id: 'u-bob', sku_id: E3, assigned_by_group: GROUP },
      { user_id: 'u-break', sku_id: E5, assigned_by_group: null },
      { user_id: 'u-carol', sku_id: E5, assigned_by_group: null },
      { user_id: 'u-dave', sku_id: E3, assigned_by_group: null },
    ]);
    expect(await rows(`SELECT sku_part_number, product_name, purchased, assigned, available FROM license_utilization ORDER BY 1`)).toEqual([
      { sku_part_number: 'SPE_E3', product_name: 'Microsoft 365 E3', purchased: 5, assigned: 2, available: 3 },
      { sku_part_number: 'SPE_E5', product_name: 'Microsoft 365 E5', purchased: 10, assigned: 3, available: 7 },
    ]);

    // Report UPN "Alice@Contoso.COM" matches the roster's alice@contoso.com (UPNs are case-insensitive).
    expect(
      await rows(`SELECT service, has_license, last_activity_date::VARCHAR AS last, license_assign_date::VARCHAR AS assigned
      FROM service_activity WHERE user_id = 'u-alice' ORDER BY service`),
    ).toEqual([
      { service: 'exchange', has_license: true, last: '2024-05-07', assigned: '2019-01-10' },
      { service: 'onedrive', has_license: true, last: '2024-05-01', assigned: '2019-01-10' },
      { service: 'outlook', has_license: null, last: '2024-05-08', assigned: null },
      { service: 'sharepoint', has_license: true, last: null, assigned: '2019-01-10' },
      { service: 'skype', has_license: true, last: null, assigned: '2019-01-10' },
      { service: 'teams', has_license: true, last: '2024-05-08', assigned: '2019-01-10' },
      { service: 'yammer', has_license: true, last: null, assigned: '2019-01-10' },
    ]);
    expect(
      await rows(`SELECT report, user_principal_name, display_name, reason, last_activity_date::VARCHAR AS last
      FROM suspicious_activity ORDER BY report, reason`),
    ).toEqual([
      { report: 'getEmailActivityUserDetail', user_principal_name: 'old.user@contoso.com', display_name: 'Old, User', reason: 'deleted_user', last: '2024-03-30' },
      { report: 'getOffice365ActiveUserDetail', user_principal_name: 'old.user@contoso.com', display_name: 'Old, User', reason: 'deleted_user', last: '2024-03-30' },
      { report: 'getOffice365ActiveUserDetail', user_principal_name: 'ghost@contoso.com', display_name: 'Ghost', reason: 'unknown_user', last: '2024-03-30' },
    ]);
    expect(await rows(`SELECT user_id, last_activity_date::VARCHAR AS last, days_inactive FROM user_last_activity ORDER BY user_id`)).toEqual([
      { user_id: 'u-alice', last: '2024-05-08', days_inactive: 0 },
      { user_id: 'u-bob', last: '2023-12-01', days_inactive: 159 },
      { user_id: 'u-break', last: '2024-01-20', days_inactive: 109 },
      { user_id: 'u-carol', last: null, days_inactive: null },
      { user_id: 'u-dave', last: null, days_inactive: null },
      { user_id: 'u-guest', last: '2024-05-03', days_inactive: 5 },
    ]);
    // Blocked carol is a candidate; new starter dave is kept out by the grace period.
    expect(await rows(`SELECT user_id, account_enabled, days_inactive, sku_part_numbers FROM inactive_licensed_users ORDER BY user_id`)).toEqual([
      { user_id: 'u-bob', account_enabled: true, days_inactive: 159, sku_part_numbers: ['SPE_E3'] },
      { user_id: 'u-break', account_enabled: true, days_inactive: 109, sku_part_numbers: ['SPE_E5'] },
      { user_id: 'u-carol', account_enabled: false, days_inactive: null, sku_part_numbers: ['SPE_E5'] },
    ]);
    expect(await rows(`SELECT user_id, excluded_by FROM inactive_licensed_users_excluded`)).toEqual([{ user_id: 'u-dave', excluded_by: 'grace' }]);
    const byLicense = await rows(`SELECT sku_part_number, holders, active_any_30d, active_teams_30d FROM activity_by_license ORDER BY 1`);
    expect(byLicense).toEqual([
      { sku_part_number: 'SPE_E3', holders: 2, active_any_30d: 0, active_teams_30d: 0 },
      { sku_part_number: 'SPE_E5', holders: 3, active_any_30d: 1, active_teams_30d: 1 },
    ]);
    expect(await rows(`SELECT status, users_count, activity_rows, report_refresh_date::VARCHAR AS refresh FROM runs`)).toEqual([
      { status: 'succeeded', users_count: 6, activity_rows: 42, refresh: '2024-05-08' },
    ]);
  });

  it('loading the same directory twice leaves one snapshot with identical counts', async () => {
    const dir = staging();
    const first = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir });
    const afterFirst = await tableCounts();
    const second = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir });
    expect(second.counts).toEqual(first.counts);
    expect(await tableCounts()).toEqual(afterFirst);
  });

  it('works without a manifest (tenant and date from the options)', async () => {
    const dir = staging({ manifest: false });
    await expect(loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir })).rejects.toThrow(/--tenant/);
    const r = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir, tenantId: 'other-tenant', snapshotDate: '2024-05-10' });
    expect(r.tenantId).toBe('other-tenant');
    expect(r.runId).toBe('import-other-tenant-2024-05-10');
  });

  it('rightsizing_candidates lists premium holders who only used mail', async () => {
    // alice stops using Teams and OneDrive: mail only within 90 days.
    await loadStagingDir({
      historyDays: 0,
      workDbPath: work,
      stagingDir: staging({ activityOverride: { 'u-alice': ['2024-05-07', '2023-11-01', '', '', '', '2023-10-01'] } }),
    });
    expect(await rows(`SELECT user_id, premium_sku_part_numbers, last_mail_activity_date::VARCHAR AS last FROM rightsizing_candidates`)).toEqual([
      { user_id: 'u-alice', premium_sku_part_numbers: ['SPE_E5'], last: '2024-05-08' },
    ]);
  });
});

describe('anonymization', () => {
  it('a concealed report degrades the run and keeps the previous activity snapshot visible', async () => {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging() });
    const r = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging({ snapshotDate: '2024-05-11', refreshDate: '2024-05-09', concealed: true }) });
    expect(r.status).toBe('degraded');
    expect(r.verdict).toMatchObject({ concealed: true, ratio: 1, rowsChecked: 15, matchedToRoster: 0 });
    expect(r.message).toContain('Settings → Org settings → Services → Reports');
    expect(r.message).toContain('Display concealed user, group, and site names in all reports');
    expect(r.message).toContain('PATCH /admin/reportSettings');
    expect(r.message).toContain('ReportSettings.ReadWrite.All');
    expect(r.message).toContain('2024-05-10');
    expect(r.counts.activityRows).toBe(0);
    expect(r.counts.suspiciousRows).toBe(15);
    await publish(work, published);
    expect(await rows(`SELECT reason, count(*)::INT AS n FROM suspicious_activity WHERE snapshot_date = '2024-05-11' GROUP BY 1`, published)).toEqual([
      { reason: 'concealed', n: 15 },
    ]);
    expect(await rows(`SELECT count(*)::INT AS n FROM service_activity WHERE snapshot_date = '2024-05-11'`, published)).toEqual([{ n: 0 }]);
    // Analysts see the new roster but the last good activity.
    const ula = await rows(`SELECT DISTINCT snapshot_date::VARCHAR AS roster, activity_snapshot_date::VARCHAR AS activity FROM user_last_activity`, published);
    expect(ula).toEqual([{ roster: '2024-05-11', activity: '2024-05-10' }]);
    expect((await rows(`SELECT user_id FROM inactive_licensed_users ORDER BY 1`, published)).map((x) => x.user_id)).toEqual(['u-bob', 'u-break', 'u-carol']);
    expect(await rows(`SELECT status, concealed FROM runs WHERE snapshot_date = '2024-05-11'`, published)).toEqual([{ status: 'degraded', concealed: true }]);
  });

  it('detectAnonymization: hashes, the tenant setting, and stale refresh dates', async () => {
    const concealed = await detectAnonymization(staging({ concealed: true, runId: 'c' }));
    expect(concealed).toEqual({ concealed: true, ratio: 1, rowsChecked: 15, matchedToRoster: 0, reportRefreshDate: '2024-05-08', stale: false });
    const bySetting = await detectAnonymization(staging({ displayConcealedNames: true, runId: 's' }));
    expect(bySetting).toMatchObject({ concealed: true, ratio: 0, matchedToRoster: 12 });
    const clean = await detectAnonymization(staging({ displayConcealedNames: false, runId: 'ok' }));
    expect(clean.concealed).toBe(false);
    const stale = await detectAnonymization(staging({ refreshDate: '2024-05-01', runId: 'old' }));
    expect(stale).toMatchObject({ stale: true, reportRefreshDate: '2024-05-01', concealed: false });
    expect(await detectAnonymization(staging({ refreshDate: '2024-05-01', runId: 'old2' }), { freshnessDays: 10 })).toMatchObject({ stale: false });
  });

  it('sampleAnonymization: a report with no rows (a small tenant) counts none concealed, the others decide', async () => {
    const dir = staging({ runId: 'empty-report' });
    const file = path.join(dir, REPORTS[1]!.file);
    writeFileSync(file, `${readFileSync(file, 'utf8').split('\n')[0]}\n`);
    const verdict = await sampleAnonymization(dir);
    expect(verdict.concealed).toBe(false);
    expect(verdict.rowsChecked).toBeGreaterThan(0);
  });

  it('a stale report is loaded, flagged in the verdict, the run and snapshots', async () => {
    await updateSettings(work, TENANT, { freshnessDays: 3 });
    const r = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging({ refreshDate: '2024-05-05' }) });
    expect(r.status).toBe('succeeded');
    expect(r.verdict.stale).toBe(true);
    expect(r.message).toMatch(/stale/);
    expect(await rows(`SELECT stale FROM runs`)).toEqual([{ stale: true }]);
  });
});

describe('malformed input', () => {
  it('tolerates reordered and extra columns but names a missing required column', async () => {
    await expect(validateStagedReports(staging())).resolves.toBeUndefined();
    const bad = staging({ dropActiveColumn: 'Teams Last Activity Date', runId: 'bad' });
    const err = await validateStagedReports(bad).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MalformedReportError);
    const m = err as MalformedReportError;
    expect(m.name).toBe('MalformedReportError');
    expect(m.file).toBe('reports/getOffice365ActiveUserDetail.csv');
    expect(m.column).toBe('Teams Last Activity Date');
    expect(m.headerFound[0]).toBe('Report Refresh Date');
    expect(m.message).toContain('Teams Last Activity Date');
    expect(m.message).toContain('Yammer Last Activity Date');
  });

  it('a failed load leaves nothing of that run in the published file', async () => {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging() });
    await publish(work, published);
    const missing = staging({ snapshotDate: '2024-05-11', dropActiveColumn: 'Exchange Last Activity Date' });
    await expect(loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: missing })).rejects.toBeInstanceOf(MalformedReportError);
    // A value DuckDB cannot read fails inside the transaction, after the roster was inserted: rolled back.
    const broken = staging({ snapshotDate: '2024-05-12' });
    const email = path.join(broken, 'reports', 'getEmailActivityUserDetail.csv');
    writeFileSync(email, readFileSync(email, 'utf8').replace(',2024-05-08,Bob Jones,', ',not-a-date,Bob Jones,'));
    await expect(loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: broken })).rejects.toThrow();
    await publish(work, published);
    expect(await rows(`SELECT DISTINCT snapshot_date::VARCHAR AS d FROM users`, published)).toEqual([{ d: '2024-05-10' }]);
    expect(await rows(`SELECT run_id FROM runs`, published)).toEqual([{ run_id: 'run-2024-05-10' }]);
    expect(await rows(`SELECT count(*)::INT AS n FROM license_assignments WHERE snapshot_date > '2024-05-10'`, published)).toEqual([{ n: 0 }]);
  });
});

describe('one writer, many readers', () => {
  const children: ChildProcessWithoutNullStreams[] = [];
  afterEach(() => {
    for (const c of children.splice(0)) c.kill();
  });

  function startReader(file: string, mode: 'ro' | 'rw', sql: string) {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, '../support/reader-process.ts'), file, mode, sql], {
      cwd: path.resolve(import.meta.dirname, '../..'),
    });
    children.push(child);
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const next = async (): Promise<unknown> => {
      const r = await lines.next();
      if (r.done) throw new Error(`reader exited: ${stderr}`);
      return JSON.parse(r.value);
    };
    return { child, next, ask: () => child.stdin.write('again\n') };
  }

  it('a second process reading the published file keeps its snapshot while a new one is published', async () => {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging() });
    await publish(work, published);
    const sql = `SELECT string_agg(snapshot_date::VARCHAR, ',' ORDER BY snapshot_date) FROM snapshots`;
    const reader = startReader(published, 'ro', sql);
    expect(await reader.next()).toEqual([['2024-05-10']]);

    const r = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging({ snapshotDate: '2024-05-11', refreshDate: '2024-05-09' }) });
    expect(r.status).toBe('succeeded');
    const pub = await publish(work, published);
    expect(pub.bytes).toBeGreaterThan(0);

    reader.ask();
    expect(await reader.next()).toEqual([['2024-05-10']]);
    expect(await rows(sql.replace('FROM snapshots', 'AS s FROM snapshots'), published)).toEqual([{ s: '2024-05-10,2024-05-11' }]);
    const fresh = startReader(published, 'ro', sql);
    expect(await fresh.next()).toEqual([['2024-05-10,2024-05-11']]);
  });

  it('a process holding the working file makes the writer fail with WarehouseLockedError (retryable)', async () => {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging() });
    await closeWarehouse();
    const holder = startReader(work, 'rw', 'SELECT 1');
    await holder.next();
    const err = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging({ runId: 'x' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WarehouseLockedError);
    expect((err as Error).message).toMatch(/locked.*stop/);
  });
});

describe('settings change the candidates', () => {
  const candidates = async () => (await rows(`SELECT user_id FROM inactive_licensed_users ORDER BY 1`)).map((r) => r.user_id);
  const excluded = async () => rows(`SELECT user_id, excluded_by FROM inactive_licensed_users_excluded ORDER BY 1`);

  it('thresholds, grace and exclusions', async () => {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: staging() });
    expect(await candidates()).toEqual(['u-bob', 'u-break', 'u-carol']);

    await updateSettings(work, TENANT, { inactivityDays: 120 });
    expect(await candidates()).toEqual(['u-bob', 'u-carol']);

    await updateSettings(work, TENANT, { inactivityDays: 90, graceDays: 0 });
    expect(await candidates()).toEqual(['u-bob', 'u-break', 'u-carol', 'u-dave']);

    await updateSettings(work, TENANT, { graceDays: 30, excludeUpnPatterns: ['BreakGlass*@contoso.com'], excludeGroupIds: [GROUP] });
    expect(await candidates()).toEqual(['u-carol']);
    expect(await excluded()).toEqual([
      { user_id: 'u-bob', excluded_by: 'group' },
      { user_id: 'u-break', excluded_by: 'upn_pattern' },
      { user_id: 'u-dave', excluded_by: 'grace' },
    ]);
    expect(await rows(`SELECT inactivity_days, grace_days, exclude_upn_patterns FROM tenant_settings`)).toEqual([
      { inactivity_days: 90, grace_days: 30, exclude_upn_patterns: ['BreakGlass*@contoso.com'] },
    ]);
  });
});

describe('runs and reclamation audit', () => {
  it('recordRun writes a failed run; recordReclamationEvent is idempotent per (workflow, event, at)', async () => {
    await recordRun(work, { runId: 'r-1', tenantId: TENANT, snapshotDate: '2024-05-10', status: 'failed', message: 'token refused' });
    expect(await rows(`SELECT run_id, status, message FROM runs`)).toEqual([{ run_id: 'r-1', status: 'failed', message: 'token refused' }]);
    const ev = {
      workflowId: `reclaim-${TENANT}-u-bob`,
      tenantId: TENANT,
      userId: 'u-bob',
      ...AUDIT.removed,
      actor: 'ops@contoso.com',
      at: '2024-05-12T10:00:00Z',
      reason: 'inactive 159 days',
      skus: [E3],
      detail: null,
      disabledPlans: { [E3]: [] },
    };
    await recordReclamationEvent(work, ev);
    await recordReclamationEvent(work, ev);
    expect(await rows(`SELECT event, skus, disabled_plans::VARCHAR AS dp, "at"::VARCHAR AS at FROM reclamations`)).toEqual([
      { event: 'executed', skus: [E3], dp: JSON.stringify({ [E3]: [] }), at: '2024-05-12 10:00:00+00' },
    ]);
  });
});
