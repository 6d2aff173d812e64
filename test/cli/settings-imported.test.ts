// Settings of a tenant loaded with `import`: no Graph credentials are configured, yet its thresholds are the
// warehouse's business. Graph is asked only to resolve a group by name (refused here, with what to do instead).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config';
import { ensureApprovalKey } from '../../src/identity/approval-key';
import { buildWarehouse, type BuiltWarehouse } from '../support/build-warehouse';
import { TENANT } from '../support/staging-fixtures';

const BIN = path.resolve(import.meta.dirname, '../../bin/m365-license.mjs');
let wh: BuiltWarehouse;

beforeAll(async () => {
  wh = await buildWarehouse();
  // The workers' approval key pair, as a worker creates it on its first start (the lab mode seals the name too).
  ensureApprovalKey(parseConfig({ M365_DATA_DIR: wh.root }));
}, 120_000);

/** The CLI with no tenant configured (none of the M365_* variables but the data directory and the identity mode). */
const cli = (args: string[], extra: NodeJS.ProcessEnv = {}) => {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('M365_') && !k.startsWith('TEMPORAL_')));
  return spawnSync(process.execPath, [BIN, 'settings', ...args], {
    encoding: 'utf8',
    timeout: 120_000,
    cwd: wh.root,
    env: { ...env, M365_DATA_DIR: wh.root, M365_APPROVAL_IDENTITY: 'unverified', ...extra },
  });
};

describe('settings of an imported tenant (no Graph credentials)', () => {
  it('set --tenant T works and publishes; show finds the only tenant the warehouse holds', () => {
    const r = cli(['set', '--tenant', TENANT, '--inactivity-days', '300', '--by', 'lab-admin', '--json']);
    expect(r.stderr).not.toContain('No tenant configured');
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { tenantId: string; writtenBy: string; effective: { inactivityDays: number }; stored: string[] };
    expect(out).toMatchObject({ tenantId: TENANT, writtenBy: 'direct', effective: { inactivityDays: 300 }, stored: ['inactivityDays'] });
    const shown = cli(['show']);
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain(`Settings of tenant ${TENANT}:`);
    expect(shown.stdout).toMatch(/inactivity days\s+300\n/);
  }, 240_000);

  it('a tenant neither configured nor in the warehouse is refused, naming the ones it holds', () => {
    const r = cli(['set', '--tenant', 'other-tenant', '--inactivity-days', '5', '--by', 'lab-admin']);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Tenant other-tenant is neither configured nor in the warehouse: the published warehouse holds ${TENANT}.`);
  }, 120_000);

  it('a group by name needs Graph: refused with exit 2 and what to give instead; the signed-in mode says what it needs', () => {
    const byName = cli(['set', '--tenant', TENANT, '--exclude-group', 'Sales team', '--by', 'lab-admin']);
    expect(byName.status).toBe(2);
    expect(byName.stderr).toContain("resolving the group name 'Sales team' needs tenant");
    expect(byName.stderr).toContain("give the group's object id instead");
    const verified = cli(['set', '--tenant', TENANT, '--inactivity-days', '120'], { M365_APPROVAL_IDENTITY: 'verified' });
    expect(verified.status).toBe(1);
    expect(verified.stderr).toContain(`Changing the settings of tenant ${TENANT} needs its Graph credentials (to check that you are a settings admin)`);
  }, 120_000);
});
