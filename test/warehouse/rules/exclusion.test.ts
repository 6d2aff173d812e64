// The exclusion rule is one definition (src/warehouse/rules/exclusion.ts): the view an approver's list comes from and
// the reclamation re-check (exclusionFor, which inspectUser calls on the published file) must give the same answer.
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeWarehouse, exclusionFor, loadStagingDir, openReadOnly, publish, updateSettings, type ExclusionRule } from '../../../src/warehouse/index';
import { GROUP, TENANT, warehouseFiles, writeStaging } from '../../support/staging-fixtures';

let root: string;
let work: string;
let published: string;

beforeEach(() => ({ root, work, published } = warehouseFiles()));
afterEach(() => closeWarehouse());

interface Verdicts {
  /** excluded_by of the view, for users a rule (not grace) excluded. */
  view: Record<string, ExclusionRule | null>;
  /** The re-check's answer for the same users, from their UPN and licence groups. */
  recheck: Record<string, ExclusionRule | null>;
}

/** Both verdicts for every licensed user of the published snapshot. */
async function verdicts(): Promise<Verdicts> {
  await publish(work, published);
  const db = await openReadOnly(published);
  try {
    const users = (
      await db.query(
        `SELECT e.user_id, e.user_principal_name AS upn, e.excluded_by,
                coalesce(list(DISTINCT la.assigned_by_group) FILTER (WHERE la.assigned_by_group IS NOT NULL), []) AS groups
         FROM inactive_licensed_evaluation e
         JOIN license_assignments la USING (tenant_id, user_id, snapshot_date)
         GROUP BY ALL ORDER BY e.user_id`,
      )
    ).rows;
    const out: Verdicts = { view: {}, recheck: {} };
    for (const u of users) {
      const id = u.user_id as string;
      const by = u.excluded_by as string | null;
      out.view[id] = by === 'upn_pattern' || by === 'group' ? by : null;
      out.recheck[id] = await exclusionFor(db, TENANT, u.upn as string, u.groups as string[]);
    }
    return out;
  } finally {
    db.close();
  }
}

describe('the exclusion rule: the list and the re-check agree', () => {
  it('a pattern and a group change the answer in the view and in the re-check alike', async () => {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(path.join(root, 'staging', TENANT)) });

    const before = await verdicts();
    expect(Object.keys(before.view)).toEqual(expect.arrayContaining(['u-bob', 'u-break']));
    expect(Object.values(before.view).every((v) => v === null)).toBe(true);
    expect(before.recheck).toEqual(before.view);

    // The pattern differs in case from the UPN (the rule is case-insensitive); bob holds his licence through GROUP.
    await updateSettings(work, TENANT, { excludeUpnPatterns: ['BreakGlass*@CONTOSO.com'], excludeGroupIds: [GROUP] });
    const after = await verdicts();
    expect(after.view).toMatchObject({ 'u-break': 'upn_pattern', 'u-bob': 'group' });
    expect(after.recheck).toEqual(after.view);

    // A user matched by both rules is labelled by the pattern, in both places.
    await updateSettings(work, TENANT, { excludeUpnPatterns: ['BreakGlass*@CONTOSO.com', 'bob@*'] });
    const both = await verdicts();
    expect(both.view).toMatchObject({ 'u-break': 'upn_pattern', 'u-bob': 'upn_pattern' });
    expect(both.recheck).toEqual(both.view);
  });

  it('the re-check answers for the user as Graph shows them now, and nothing for an unknown tenant', async () => {
    await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: writeStaging(path.join(root, 'staging', TENANT)) });
    await updateSettings(work, TENANT, { excludeUpnPatterns: ['admin-*@contoso.com'], excludeGroupIds: [GROUP] });
    await publish(work, published);
    const db = await openReadOnly(published);
    try {
      // Renamed or moved into an excluded group since the snapshot: the re-check sees it.
      expect(await exclusionFor(db, TENANT, 'Admin-Carol@contoso.com', [])).toBe('upn_pattern');
      expect(await exclusionFor(db, TENANT, 'carol@contoso.com', ['other-group', GROUP])).toBe('group');
      expect(await exclusionFor(db, TENANT, 'carol@contoso.com', ['other-group'])).toBeNull();
      expect(await exclusionFor(db, 'another-tenant', 'admin-carol@contoso.com', [GROUP])).toBeNull();
    } finally {
      db.close();
    }
  });
});
