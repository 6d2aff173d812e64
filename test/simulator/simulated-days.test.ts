// The simulated-days helper: a day staged twice is the same day (the tests that load it derive their expectations
// from it), another day is not, and the staging carries the pipeline's manifest with the day's date.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { stagingManifestSchema } from '../../src/shared/staging-contract';
import { simulatedDay, stageSimulatedDay, type SimulatedTenant } from '../support/simulated-days';

const T: SimulatedTenant = { seed: 43, users: 200, today: '2025-03-01', churn: { hiresPerDay: 0.02, leaversPerDay: 0.02 } };

const manifestOf = (dir: string) => stagingManifestSchema.parse(JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8')));
const users = (dir: string) =>
  readdirSync(path.join(dir, 'users'))
    .sort()
    .flatMap((p) => (JSON.parse(readFileSync(path.join(dir, 'users', p), 'utf8')) as { value: unknown[] }).value);

describe('simulated days, staged through the extract path', () => {
  it('the same (tenant, day) gives the same staged content; the next day differs', async () => {
    const roots = [mkdtempSync(path.join(os.tmpdir(), 'simdays-a-')), mkdtempSync(path.join(os.tmpdir(), 'simdays-b-'))];
    onTestFinished(() => roots.forEach((r) => rmSync(r, { recursive: true, force: true })));
    const a = await stageSimulatedDay(T, 2, roots[0]);
    const b = await stageSimulatedDay(T, 2, roots[1]);
    const next = await simulatedDay(T, 3);
    expect(a.snapshotDate).toBe('2025-03-03');
    expect(next.snapshotDate).toBe('2025-03-04');
    const [ma, mb, mn] = [manifestOf(a.dir), manifestOf(b.dir), manifestOf(next.dir)];
    expect(ma.snapshotDate).toBe(a.snapshotDate);
    expect(ma.tenantId).toBe(a.tenantId);
    // Every file the extract stages is listed; reports are byte-identical (user pages name the simulator's port).
    expect(ma.files.map((f) => f.name).sort()).toEqual([
      'getEmailActivityUserDetail',
      'getMicrosoft365CopilotUsageUserDetail',
      'getOffice365ActiveUserDetail',
      'subscribedSkus',
      'subscriptions',
      'users',
    ]);
    const reports = (m: ReturnType<typeof manifestOf>) => m.files.filter((f) => f.kind === 'report').map((f) => f.sha256);
    expect(reports(mb)).toEqual(reports(ma));
    expect(users(b.dir)).toEqual(users(a.dir));
    expect(users(a.dir).length).toBe(ma.files.find((f) => f.kind === 'users')!.count);
    expect(users(next.dir)).not.toEqual(users(a.dir));
    expect(reports(mn)).not.toEqual(reports(ma));
    // Cached per process: asking again gives the same staging.
    expect(await simulatedDay(T, 3)).toBe(next);
  }, 60_000);
});
