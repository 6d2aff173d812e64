import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeWarehouse, loadStagingDir } from '../../../src/warehouse/index';
import { TENANT, warehouseFiles, writeStaging } from '../../support/staging-fixtures';

let root: string;
let work: string;
beforeEach(() => ({ root, work } = warehouseFiles()));
afterEach(() => closeWarehouse());

/** Removes `field` from the first user of a staged page. */
function dropField(dir: string, page: string, field: string): void {
  const file = path.join(dir, 'users', page);
  const body = JSON.parse(readFileSync(file, 'utf8')) as { value: Array<Record<string, unknown>> };
  delete body.value[0]![field];
  writeFileSync(file, JSON.stringify(body));
}

describe('users pages missing a required field', () => {
  it('fail the load naming the page and the field, not a database constraint, and showing no value', async () => {
    const dir = writeStaging(path.join(root, 'staging', TENANT));
    dropField(dir, 'page-0003.json', 'id');
    const err = await loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir }).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(err?.message).toMatch(/Users page page-0003\.json has a user without 'id' \(1 such user/);
    expect(err?.message).not.toMatch(/constraint|@contoso/i);
  });
  it('a missing userPrincipalName is named too', async () => {
    const dir = writeStaging(path.join(root, 'staging', TENANT));
    dropField(dir, 'page-0001.json', 'userPrincipalName');
    await expect(loadStagingDir({ historyDays: 0, workDbPath: work, stagingDir: dir })).rejects.toThrow(/page-0001\.json has a user without 'userPrincipalName'/);
  });
});
