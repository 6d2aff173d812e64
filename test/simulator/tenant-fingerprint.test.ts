// Pins the generated tenant for a fixed seed: every user, licence, activity offset, report row and SKU count.
// The hash was computed on the code before the tenant was split into files; a refactor, or a new random stream,
// that changes any generated value fails here. Change the expected hash only when a change of data is intended.
// Changed on purpose once: the Microsoft 365 Copilot SKU appended to SKUS and drawn as a 6% add-on (last in
// the licence stream, so every earlier value is unchanged; only Copilot holders and their report rows are new).
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reportIndexCount, reportRow } from '../../src/simulator/report-rows';
import { SKUS } from '../../src/simulator/skus';
import { dayOf } from '../../src/simulator/dates';
import { licensedServiceMask, toAssignedLicenses, toAssignmentStates } from '../../src/simulator/licences';
import { Tenant } from '../../src/simulator/tenant';

function fingerprint(seed: number, userCount: number): string {
  const t = new Tenant({ seed, userCount, todayDay: dayOf('2026-01-15'), domain: 'contoso.test' });
  const h = createHash('sha256');
  const add = (v: unknown): void => {
    h.update(JSON.stringify(v ?? null, (_k, x: unknown) => (x instanceof Int16Array || x instanceof Int32Array ? Array.from(x) : x)));
    h.update('\n');
  };
  const refreshDay = t.todayDay - 2;
  for (let i = 0; i < reportIndexCount(t); i++) {
    const p = t.profile(i);
    add(p);
    add(t.userAt(i));
    const lic = t.licenses(i);
    add(lic);
    add(toAssignedLicenses(lic));
    add(toAssignmentStates(lic));
    add(t.activity(i, licensedServiceMask(lic)));
    add(t.reportRng(i, 2).next());
    add(reportRow(t, 'getOffice365ActiveUserDetail', i, refreshDay, 30, false));
    add(reportRow(t, 'getEmailActivityUserDetail', i, refreshDay, 7, true));
    if (i < t.userCount) add([t.indexOfId(t.userId(i)), t.resolveUser(t.userAt(i).userPrincipalName)]);
  }
  add(t.consumed());
  add(SKUS.map((_s, k) => [t.prepaid(k), t.groupId(k, 0), t.groupId(k, 2)]));
  return h.digest('hex');
}

describe('generated tenant fingerprint', () => {
  it('a seeded tenant is byte-identical to the one generated before the tenant was split', () => {
    expect(fingerprint(42, 400)).toBe('894d8d5a8508b1ba3679ea3680ae6545c0224e7eb6a078654cd1b3c7e4c3bff1');
    expect(fingerprint(7, 5000)).toBe('e1d310bd87de9d42462a3aa5da928b8a678753c66ac5145cdf97287f77b5d301');
  });

  it('a different seed gives a different tenant (the fingerprint sees the data)', () => {
    expect(fingerprint(43, 400)).not.toBe(fingerprint(42, 400));
  });
});
