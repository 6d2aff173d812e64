// Days of one hand-made tenant for the history tests: the fixture staging directory with the roster edited
// (hires, leavers, licence changes), and small readers of the history directory.
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { E3, E5, writeStaging, type FixtureOptions } from './fixtures';

type GraphUser = Record<string, unknown> & { id: string };

/** Rewrites the staged roster through `edit` (all users in the first page, the other pages emptied). */
export function editRoster(dir: string, edit: (users: GraphUser[]) => GraphUser[]): void {
  const usersDir = path.join(dir, 'users');
  const pages = readdirSync(usersDir).filter((f) => f.startsWith('page-')).sort();
  const all = pages.flatMap((p) => (JSON.parse(readFileSync(path.join(usersDir, p), 'utf8')) as { value: GraphUser[] }).value);
  const edited = edit(all);
  pages.forEach((p, i) => {
    const body = JSON.parse(readFileSync(path.join(usersDir, p), 'utf8')) as { value: GraphUser[] };
    body.value = i === 0 ? edited : [];
    writeFileSync(path.join(usersDir, p), JSON.stringify(body));
  });
}

export const hire = (id: string, skuId: string): GraphUser => ({
  id, userPrincipalName: `${id}@contoso.com`, displayName: id, mail: `${id}@contoso.com`, accountEnabled: true, userType: 'Member',
  createdDateTime: '2024-05-11T08:00:00Z', department: 'Ops', jobTitle: null, usageLocation: 'US',
  assignedLicenses: [{ skuId, disabledPlans: [] }],
  licenseAssignmentStates: [{ skuId, assignedByGroup: null, state: 'Active', error: null, disabledPlans: [], lastUpdatedDateTime: '2024-05-11T09:00:00Z' }],
});

const licence = (skuId: string) => ({
  assignedLicenses: [{ skuId, disabledPlans: [] }],
  licenseAssignmentStates: [{ skuId, assignedByGroup: null, state: 'Active', error: null, disabledPlans: [], lastUpdatedDateTime: '2024-05-11T09:00:00Z' }],
});

/**
 * Day n of the tenant (1-based, snapshot 2024-05-(09+n)): day 1 is the fixture; day 2 hires u-new1, dave leaves,
 * bob moves to E5 directly; day 3 carol is enabled again and u-new2 is hired; later days repeat day 3.
 */
export function day(root: string, n: number, extra: FixtureOptions = {}): string {
  const snapshotDate = `2024-05-${String(9 + n).padStart(2, '0')}`;
  const dir = writeStaging(root, { snapshotDate, runId: `day-${n}-${extra.runId ?? ''}`, ...extra });
  if (n >= 2) {
    editRoster(dir, (users) => {
      let out = users.filter((u) => u.id !== 'u-dave').map((u) => (u.id === 'u-bob' ? { ...u, ...licence(E5) } : u));
      out.push(hire('u-new1', E3));
      if (n >= 3) {
        out = out.map((u) => (u.id === 'u-carol' ? { ...u, accountEnabled: true } : u));
        out.push(hire('u-new2', E5));
      }
      return out;
    });
  }
  return dir;
}
export const dateOf = (n: number): string => `2024-05-${String(9 + n).padStart(2, '0')}`;

/** The roster a day's staging directory holds: sorted "id:enabled" strings. */
export function stagedRoster(dir: string): string[] {
  const usersDir = path.join(dir, 'users');
  return readdirSync(usersDir)
    .filter((f) => f.startsWith('page-'))
    .flatMap((p) => (JSON.parse(readFileSync(path.join(usersDir, p), 'utf8')) as { value: GraphUser[] }).value)
    .map((u) => `${u.id}:${String(u.accountEnabled)}`)
    .sort();
}

/** Every file under `dir` with its size (relative paths), for "nothing else changed" checks. */
export function filesUnder(dir: string): Map<string, number> {
  const out = new Map<string, number>();
  const walk = (d: string) => {
    for (const f of readdirSync(d)) {
      const p = path.join(d, f);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.set(path.relative(dir, p), st.size);
    }
  };
  walk(dir);
  return out;
}

export const bytesUnder = (dir: string): number => [...filesUnder(dir).values()].reduce((a, b) => a + b, 0);
export { E3, E5 };
