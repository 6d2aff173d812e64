// Pins the generated tenant for a fixed seed: every user, licence, activity offset, report row and SKU count.
// The hash was computed on the code before the tenant was split into files; a refactor, or a new random stream,
// that changes any generated value fails here. Change the expected hash only when a change of data is intended.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { reportIndexCount, reportRow } from '../../src/simulator/reports';
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
    expect(fingerprint(42, 400)).toBe('5bb56796edf165d5ce4f86c2c4930efa4d8672e0dcbd3807f75acd0f835369ca');
    expect(fingerprint(7, 5000)).toBe('520ecf90fcf35b4a538f6029e7ca425a6d65bfae6bea0f9191a7d846d7789b28');
  });

  it('a different seed gives a different tenant (the fingerprint sees the data)', () => {
    expect(fingerprint(43, 400)).not.toBe(fingerprint(42, 400));
  });
});
