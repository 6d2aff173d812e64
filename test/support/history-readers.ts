// Readers for the history tests: what a (simulated) day's staging directory holds, in the shapes the warehouse
// stores (roster rows by key, the changes from one day to the next), and small readers of the history directory.
// Expectations come from these, so a test states what the simulator served, never a hand-written number.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'csv-parse/sync';

type GraphUser = Record<string, unknown> & { id: string; accountEnabled: boolean };
interface AssignmentState {
  skuId: string;
  assignedByGroup: string | null;
  state: string;
  error: string | null;
  disabledPlans: string[];
  lastUpdatedDateTime: string | null;
}

function stagedUsers(dir: string): GraphUser[] {
  const usersDir = path.join(dir, 'users');
  return readdirSync(usersDir)
    .filter((f) => f.startsWith('page-'))
    .sort()
    .flatMap((p) => (JSON.parse(readFileSync(path.join(usersDir, p), 'utf8')) as { value: GraphUser[] }).value);
}

/** The roster a day's staging directory holds: sorted "id:enabled" strings. */
export const stagedRoster = (dir: string): string[] =>
  stagedUsers(dir)
    .map((u) => `${u.id}:${String(u.accountEnabled)}`)
    .sort();

/** A day's licence assignments as the warehouse keys them: sorted "user:sku:group" strings. */
export const stagedAssignments = (dir: string): string[] => [...rosterRows(dir, 'license_assignments').keys()].sort();

/** A report's data rows (csv-parse, like the loader: BOM, quoted fields). */
export const reportRows = (dir: string, report: 'getOffice365ActiveUserDetail' | 'getEmailActivityUserDetail'): string[][] =>
  parse(readFileSync(path.join(dir, 'reports', `${report}.csv`)), { bom: true, from_line: 2 }) as string[][];

export type RosterTable = 'users' | 'license_assignments' | 'skus' | 'sign_ins';

/** A signInActivity time as the warehouse stores it: epoch ms, or null for '', missing and the 0001-01-01 "never". */
const signInMs = (v: unknown): number | null => {
  const ms = typeof v === 'string' && v !== '' ? Date.parse(v) : NaN;
  return Number.isNaN(ms) || ms < Date.UTC(1900, 0, 1) ? null : ms;
};

/** Per user with at least one sign-in time (the others have no sign_ins row): [last, non-interactive, successful] in epoch ms. */
export function stagedSignIns(dir: string): Map<string, (number | null)[]> {
  const out = new Map<string, (number | null)[]>();
  for (const u of stagedUsers(dir)) {
    const sign = (u.signInActivity ?? {}) as Record<string, unknown>;
    const times = [sign.lastSignInDateTime, sign.lastNonInteractiveSignInDateTime, sign.lastSuccessfulSignInDateTime].map(signInMs);
    if (times.some((t) => t !== null)) out.set(u.id, times);
  }
  return out;
}

/**
 * Roster rows by the warehouse's key (docs/warehouse.md): users by id, assignments by (user, SKU, group), SKUs by
 * id; the value is the Graph fields the table stores, so two days differ where the stored row would.
 */
export function rosterRows(dir: string, table: RosterTable): Map<string, string> {
  const out = new Map<string, string>();
  if (table === 'skus') {
    const skus = (JSON.parse(readFileSync(path.join(dir, 'subscribedSkus.json'), 'utf8')) as { value: Array<Record<string, unknown> & { skuId: string }> }).value;
    for (const s of skus) {
      out.set(s.skuId, JSON.stringify([s.skuPartNumber, s.appliesTo, s.capabilityStatus, s.consumedUnits, s.prepaidUnits, s.accountName, s.subscriptionIds, s.servicePlans]));
    }
    return out;
  }
  if (table === 'sign_ins') {
    for (const [id, times] of stagedSignIns(dir)) out.set(id, JSON.stringify(times));
    return out;
  }
  for (const u of stagedUsers(dir)) {
    if (table === 'users') {
      out.set(u.id, JSON.stringify([u.userPrincipalName, u.displayName, u.mail, u.accountEnabled, u.userType, u.createdDateTime, u.department, u.jobTitle, u.usageLocation]));
      continue;
    }
    for (const a of (u.licenseAssignmentStates ?? []) as AssignmentState[]) {
      out.set(`${u.id}:${a.skuId}:${a.assignedByGroup ?? ''}`, JSON.stringify([a.state, a.error, a.disabledPlans, a.lastUpdatedDateTime]));
    }
  }
  return out;
}

/** The changes that turn day `prev`'s roster into day `cur`'s: sorted "key:upsert|delete" strings. */
export function expectedChanges(prevDir: string, curDir: string, table: RosterTable): string[] {
  const prev = rosterRows(prevDir, table);
  const cur = rosterRows(curDir, table);
  const out: string[] = [];
  for (const [k, v] of cur) if (prev.get(k) !== v) out.push(`${k}:upsert`);
  for (const k of prev.keys()) if (!cur.has(k)) out.push(`${k}:delete`);
  return out.sort();
}

/** A copy of a staging directory without its manifest, to load it as another date (`import --date`). */
export function withoutManifest(dir: string): string {
  const copy = mkdtempSync(path.join(os.tmpdir(), 'wh-history-copy-'));
  cpSync(dir, copy, { recursive: true });
  rmSync(path.join(copy, 'manifest.json'));
  return copy;
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
