// A fast synthetic staging directory for benchmarks (no HTTPS, no simulator): Graph user pages, subscribed
// SKUs and the two report CSVs, for day `day` of one tenant. Deterministic per (users, day), with a daily churn
// of hires, leavers, licence changes and disabled accounts, activity moving forward and the reports refreshed two
// days before the snapshot.
import { createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPORTS } from '../../src/shared/staging-contract';

export const SKUS = [
  ['06ebc4ee-1bb5-47dd-8120-11324bc54e06', 'SPE_E5'],
  ['05e9a617-0261-4cee-bb44-138d3ef5d965', 'SPE_E3'],
  ['4b9405b0-7788-4568-add1-99614e613b69', 'EXCHANGESTANDARD'],
] as const;
const PAGE = 999;

export interface Churn {
  /** Shares of the tenant per day (default 0.001 hires, 0.001 leavers, 0.002 licence changes, 0.0005 disabled). */
  hires: number;
  leavers: number;
  licenceChanges: number;
  disabled: number;
}
export const DEFAULT_CHURN: Churn = { hires: 0.001, leavers: 0.001, licenceChanges: 0.002, disabled: 0.0005 };

const hash = (i: number, salt: number): number => {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return (h >>> 0) / 0x1_0000_0000;
};

/** The first day (1-based) an event happens to user i, or Infinity: each day a `share` of users is picked. */
const eventDay = (i: number, salt: number, share: number): number => (share <= 0 ? Infinity : Math.floor(hash(i, salt) / share) + 1);

export const hexId = (i: number, salt: number): string => {
  const h = (i * 2654435761 + salt) >>> 0;
  const s = h.toString(16).padStart(8, '0') + i.toString(16).padStart(8, '0');
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${s.slice(13, 16)}-8${s.slice(1, 4)}-${s.slice(4, 16)}`;
};

export const snapshotDateOf = (day: number): string => new Date(Date.UTC(2026, 10, 1) + (day - 1) * 86_400_000).toISOString().slice(0, 10);
const minus = (date: string, days: number): string => new Date(Date.parse(`${date}T00:00:00Z`) - days * 86_400_000).toISOString().slice(0, 10);

async function writeLines(file: string, lines: Iterable<string>): Promise<void> {
  const out = createWriteStream(file);
  let buf = '';
  for (const line of lines) {
    buf += line;
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await new Promise<void>((r) => out.once('drain', () => r()));
      buf = '';
    }
  }
  out.write(buf);
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
}

/** Who is in the tenant on one day and what the staged files say about each of them. */
interface DayModel {
  n: number;
  day: number;
  snapshot: string;
  refresh: string;
  /** User indexes present on the day (leavers gone, hires added). */
  present: number[];
  skuOf(i: number): number;
  enabled(i: number): boolean;
  created(i: number): string;
  /** Last activity date in service k ('' for never). */
  lastActive(i: number, k: number): string;
  /** The user's signInActivity as a JSON property (with its leading comma), or '' without sign-ins. */
  signIns(i: number): string;
}

/** Writes day `day` (1-based) of a tenant of `n` initial users into `dir`; returns its snapshot date. */
export async function writeStagingDay(
  dir: string,
  n: number,
  day = 1,
  churn: Churn = DEFAULT_CHURN,
  tenantId = 'bench-tenant',
  /** Users carry signInActivity (a tenant with Entra ID P1/P2 and an app holding AuditLog.Read.All). */
  withSignIns = true,
): Promise<string> {
  const m = dayModel(n, day, churn, withSignIns);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(path.join(dir, 'users'), { recursive: true });
  mkdirSync(path.join(dir, 'reports'), { recursive: true });
  writeUserPages(dir, m);
  writeSkus(dir, m);
  await writeReports(dir, m);
  writeFileSync(
    path.join(dir, 'manifest.json'),
    JSON.stringify({ tenantId, runId: `bench-${n}-day-${day}`, snapshotDate: m.snapshot, startedAt: `${m.snapshot}T02:00:00.000Z`, files: [], reportSettings: null }),
  );
  return m.snapshot;
}

function dayModel(n: number, day: number, churn: Churn, withSignIns: boolean): DayModel {
  const snapshot = snapshotDateOf(day);
  const refresh = minus(snapshot, 2);
  const hired = Math.floor(n * churn.hires * (day - 1));
  const present: number[] = [];
  for (let i = 0; i < n + hired; i++) if (i >= n || eventDay(i, 11, churn.leavers) >= day) present.push(i);
  const skuOf = (i: number) => ((i % 3) + (eventDay(i, 12, churn.licenceChanges) <= day - 1 ? 1 : 0)) % 3;
  const enabled = (i: number) => i % 17 !== 0 && eventDay(i, 13, churn.disabled) > day - 1;
  // Hire k appears on day 2 + floor(k / hires per day) and keeps that creation date.
  const created = (i: number) => (i < n ? '2020-01-01' : snapshotDateOf(2 + Math.floor((i - n) / Math.max(1, n * churn.hires)))) + 'T00:00:00Z';

  // Activity moves forward: a user active in a service was last active a few days before the refresh date; the
  // rest keep an old date (or none), so inactive users stay inactive from day to day.
  const lastActive = (i: number, k: number): string => {
    const h = hash(i, 100 + k);
    if (h < 0.15) return '';
    if (h < 0.35) return minus(snapshotDateOf(1), 30 + Math.floor(hash(i, 200 + k) * 300));
    return minus(refresh, Math.floor(hash(i, 300 + k + day * 7) * 10));
  };
  // signInActivity (Entra ID P1/P2): interactive sign-in on the day of the latest activity; token refreshes keep the
  // non-interactive time at the snapshot day for recently active users, so it moves every day for most of them.
  const signIns = (i: number): string => {
    if (!withSignIns) return '';
    const last = [0, 1, 2, 3, 4, 5, 6]
      .map((k) => lastActive(i, k))
      .filter(Boolean)
      .sort()
      .pop();
    if (!last) return `,"signInActivity":null`;
    const interactive = `${last}T0${(i % 9) + 1}:${String(i % 60).padStart(2, '0')}:00Z`;
    const nonInteractive = last >= minus(refresh, 10) ? `${snapshot}T0${(i % 7) + 1}:${String((i * 7) % 60).padStart(2, '0')}:00Z` : interactive;
    return `,"signInActivity":{"lastSignInDateTime":"${interactive}","lastNonInteractiveSignInDateTime":"${nonInteractive}","lastSuccessfulSignInDateTime":"${nonInteractive}"}`;
  };
  return { n, day, snapshot, refresh, present, skuOf, enabled, created, lastActive, signIns };
}

/** The Graph users pages, PAGE users each, linked by nextLink as Graph pages them. */
function writeUserPages(dir: string, m: DayModel): void {
  const { present } = m;
  for (let p = 0; p * PAGE < present.length; p++) {
    const users: string[] = [];
    for (const i of present.slice(p * PAGE, (p + 1) * PAGE)) {
      const sku = SKUS[m.skuOf(i)]![0];
      const licensed = i % 10 !== 9;
      const byGroup = i % 4 === 0 ? `"${hexId(i % 50, 7)}"` : 'null';
      const lic = licensed ? `[{"skuId":"${sku}","disabledPlans":[]}]` : '[]';
      const states = licensed
        ? `[{"skuId":"${sku}","assignedByGroup":${byGroup},"state":"Active","error":null,"disabledPlans":[],"lastUpdatedDateTime":"2022-01-0${(i % 9) + 1}T10:00:00Z"}]`
        : '[]';
      users.push(
        `{"id":"${hexId(i, 1)}","userPrincipalName":"user${i}@contoso.com","displayName":"User ${i}","mail":"user${i}@contoso.com",` +
          `"accountEnabled":${m.enabled(i)},"userType":"${i % 20 === 0 ? 'Guest' : 'Member'}","createdDateTime":"${m.created(i)}",` +
          `"department":"Dept ${i % 30}","jobTitle":"Title ${i % 12}","usageLocation":"US","assignedLicenses":${lic},"licenseAssignmentStates":${states}${m.signIns(i)}}`,
      );
    }
    const next = (p + 1) * PAGE < present.length ? `,"@odata.nextLink":"https://graph.microsoft.com/v1.0/users?$skiptoken=${p + 1}"` : '';
    writeFileSync(
      path.join(dir, 'users', `page-${String(p + 1).padStart(4, '0')}.json`),
      `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#users(id,userPrincipalName)","value":[${users.join(',')}]${next}}`,
    );
  }
}

/** subscribedSkus.json: the three SKUs with the day's consumed units. */
function writeSkus(dir: string, m: DayModel): void {
  const consumed = [0, 0, 0];
  for (const i of m.present) if (i % 10 !== 9) consumed[m.skuOf(i)]! += 1;
  const sku = ([id, part]: readonly [string, string], k: number) =>
    `{"id":"t_${id}","accountId":"t","accountName":"contoso","appliesTo":"User","capabilityStatus":"Enabled","consumedUnits":${consumed[k]},` +
    `"prepaidUnits":{"enabled":${Math.ceil(m.n / 2)},"lockedOut":0,"suspended":0,"warning":0},"servicePlans":[],"skuId":"${id}","skuPartNumber":"${part}","subscriptionIds":["s"]}`;
  writeFileSync(path.join(dir, 'subscribedSkus.json'), `{"value":[${SKUS.map(sku).join(',')}]}`);
}

/** The two usage report CSVs (BOM, CRLF), one row per present user, refreshed two days before the snapshot. */
async function writeReports(dir: string, m: DayModel): Promise<void> {
  const { present, refresh, lastActive } = m;
  const active = REPORTS[0]!.columns.map((c) => c.header).join(',');
  const email = REPORTS[1]!.columns.map((c) => c.header).join(',');
  await writeLines(
    path.join(dir, 'reports', 'getOffice365ActiveUserDetail.csv'),
    (function* () {
      yield `\uFEFF${active}\r\n`;
      for (const i of present) {
        const has = i % 10 !== 9 ? 'True' : 'False';
        const d = [1, 2, 3, 4, 5, 6].map((k) => lastActive(i, k)).join(',');
        yield `${refresh},user${i}@contoso.com,"User ${i}, Sales",False,,${has},${has},${has},${has},${has},${has},${d},2022-01-01,2022-01-01,2022-01-01,,,2022-01-01,MICROSOFT 365 E5+Microsoft Stream\r\n`;
      }
    })(),
  );
  await writeLines(
    path.join(dir, 'reports', 'getEmailActivityUserDetail.csv'),
    (function* () {
      yield `\uFEFF${email}\r\n`;
      for (const i of present) yield `${refresh},user${i}@contoso.com,User ${i},False,,${lastActive(i, 0)},${i % 50},${i % 80},${i % 60},0,1,MICROSOFT 365 E5,7\r\n`;
    })(),
  );
}
