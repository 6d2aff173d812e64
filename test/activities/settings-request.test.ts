// The warehouse writer's check of a settings request: the ranges the CLI enforces hold for a request written by
// anything else too (a forged file, an older CLI), before anyone's sign-in is even looked at.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createSettingsActivities, SettingsRequestError, writeSettingsRequest } from '../../src/activities/settings';
import type { PersonVerifier } from '../../src/activities/reclaim/approvals';
import { SETTINGS_SCHEMA } from '../../src/warehouse/rules/settings-schema';

const dataDir = mkdtempSync(path.join(os.tmpdir(), 'settings-request-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

let verifications = 0;
const verifier: PersonVerifier = {
  verify: async () => {
    verifications += 1;
    return { ok: false, problem: 'no_token' } as never;
  },
  close: async () => {},
};
const activities = createSettingsActivities({ workDbPath: path.join(dataDir, 'work', 'm365.duckdb'), dbPath: path.join(dataDir, 'm365.duckdb'), dataDir }, verifier);
const env = new MockActivityEnvironment({ workflowType: 'applySettings' });
const request = (set: Record<string, unknown>) => writeSettingsRequest(dataDir, { tenantId: 't1', proof: { idToken: 'x' }, set, unset: [] } as never);
const apply = (set: Record<string, unknown>, requestFile = request(set)) => env.run(activities.applySettings, { requestFile });

describe('a settings request read by the warehouse writer', () => {
  it('refuses a value outside its setting range, at either end, without asking who sent it', async () => {
    for (const [key, spec] of Object.entries(SETTINGS_SCHEMA)) {
      if (!('range' in spec)) continue;
      for (const outside of [spec.range[0] - 1, spec.range[1] + 1]) {
        await expect(apply({ [key]: outside }), `${key}=${outside}`).rejects.toThrow(SettingsRequestError);
        await expect(apply({ [key]: outside })).rejects.toThrow(/malformed/);
      }
    }
    expect(verifications).toBe(0);
    // Each refused request is spent: nothing malformed stays behind for a later attempt.
    expect(readdirSync(path.join(dataDir, 'requests'))).toEqual([]);
  });

  it('spends a request file that is not JSON, with an error saying so', async () => {
    const file = request({ inactivityDays: 30 });
    writeFileSync(file, '{ not json');
    await expect(apply({}, file)).rejects.toThrow(/is not JSON: run settings set again/);
    expect(readdirSync(path.dirname(file))).not.toContain(path.basename(file));
  });

  it('passes a value inside the range on to the sign-in check (which refuses this one) and spends the request', async () => {
    const set = { inactivityDays: SETTINGS_SCHEMA.inactivityDays.range[1] };
    const file = request(set);
    await expect(apply(set, file)).rejects.toThrow(/sign-in was refused/);
    expect(verifications).toBe(1);
    expect(readdirSync(path.dirname(file))).not.toContain(path.basename(file));
  });
});
