// Who the generated users are: kind, account state and dates (the profile), names, UPNs and directory fields.
// Names come from a permutation of FIRST x LAST, so the first 4096 users have distinct names.
import { dayOf, formatDay, timeOf } from './dates';
import { CITIES, DEPARTMENTS, FIRST, GUEST_DOMAINS, LANGS, LAST, LOCATIONS, NAME_COMBOS, PERM_A, TITLES } from './names';
import { unit } from './prng';
import { RandomStream, tenantHash, userHash, userRng } from './random-streams';

export type UserKind = 'member' | 'guest' | 'shared' | 'room';

export interface GeneratedUser {
  index: number;
  kind: UserKind;
  id: string;
  userPrincipalName: string;
  displayName: string;
  givenName: string | null;
  surname: string | null;
  mail: string | null;
  accountEnabled: boolean;
  userType: 'Member' | 'Guest';
  createdDateTime: string | null;
  department: string | null;
  jobTitle: string | null;
  usageLocation: string | null;
  officeLocation: string | null;
  mobilePhone: string | null;
  businessPhones: string[];
  preferredLanguage: string | null;
  /** Day number (days since 1970-01-01, UTC) the account was created; known even when createdDateTime is null. */
  createdDay: number;
  /** Only for report-only rows of recently deleted users (index >= userCount). */
  deleted: boolean;
}

/** The facts other streams depend on (licences, activity, report rows), drawn first and passed along. */
export interface Profile {
  kind: UserKind;
  enabled: boolean;
  usage: string | null;
  createdDay: number;
  createdKnown: boolean;
}

/** What the user functions need of the tenant. */
export interface UserContext {
  readonly seed: number;
  readonly userCount: number;
  readonly todayDay: number;
  readonly domain: string;
  /** Offset B of the name permutation j -> (PERM_A*j + B) mod NAME_COMBOS. */
  readonly namePermutation: number;
  /** Share of members whose UPN begins with '_' (service-account style; Microsoft allows it); default 0. */
  readonly underscoreUpns?: number;
  userId(i: number): string;
}

const EARLY_2018 = dayOf('2018-06-01');

export const namePermutation = (seed: number): number => tenantHash(seed, RandomStream.NamePermutation) % NAME_COMBOS;

function nameParts(t: UserContext, i: number): { f: readonly [string, string]; l: readonly [string, string]; suffix: string } {
  const block = Math.floor(i / NAME_COMBOS);
  const p = (PERM_A * (i % NAME_COMBOS) + t.namePermutation) % NAME_COMBOS;
  const f = FIRST[p % FIRST.length]!;
  const l = LAST[Math.floor(p / FIRST.length)]!;
  return { f, l, suffix: block === 0 ? '' : String(block + 1) };
}

export function profileOf(t: UserContext, i: number): Profile {
  const r = userRng(t.seed, i, RandomStream.Profile);
  const k = r.float();
  const kind: UserKind = i >= t.userCount ? 'member' : k < 0.03 ? 'guest' : k < 0.045 ? 'shared' : k < 0.055 ? 'room' : 'member';
  let enabled = true;
  let usage: string | null = r.pick(LOCATIONS);
  const recent = r.chance(0.02);
  const createdDay = recent ? t.todayDay - r.int(10) : t.todayDay - 15 - r.int(2900);
  const createdKnown = createdDay >= EARLY_2018 || !r.chance(0.3);
  if (kind === 'member') {
    if (r.chance(0.05)) enabled = false;
    if (r.chance(0.03)) usage = null;
  } else if (kind === 'guest') {
    if (r.chance(0.7)) usage = null;
  } else if (kind === 'shared') {
    enabled = false;
  } else {
    enabled = r.chance(0.3);
  }
  return { kind, enabled, usage, createdDay, createdKnown };
}

export function upnOf(t: UserContext, i: number, p: Profile): string {
  const { f, l, suffix } = nameParts(t, i);
  switch (p.kind) {
    case 'guest': {
      const dom = GUEST_DOMAINS[userHash(t.seed, i, RandomStream.GuestDomain) % GUEST_DOMAINS.length]!;
      return `${f[1]}.${l[1]}${suffix}_${dom}#EXT#@${t.domain}`;
    }
    case 'shared':
      return `shared-${DEPARTMENTS[i % DEPARTMENTS.length]!.toLowerCase().replace(/[^a-z]+/g, '')}-${i.toString(36)}@${t.domain}`;
    case 'room':
      return `room-${CITIES[i % CITIES.length]!.toLowerCase().replace(/[^a-z]+/g, '')}-${i.toString(36)}@${t.domain}`;
    default: {
      const upn = `${f[1]}.${l[1]}${suffix}@${t.domain}`;
      const share = t.underscoreUpns ?? 0;
      return share > 0 && unit(userHash(t.seed, i, RandomStream.UnderscoreUpn)) < share ? `_${upn}` : upn;
    }
  }
}

/** The generated user at index i (0 <= i < userCount; indices up to userCount+deletedCount are deleted users). */
export function userAt(t: UserContext, i: number, p: Profile): GeneratedUser {
  const r = userRng(t.seed, i, RandomStream.Detail);
  const { f, l, suffix } = nameParts(t, i);
  const upn = upnOf(t, i, p);
  const created = p.createdKnown ? formatDay(p.createdDay) + timeOf(userHash(t.seed, i, RandomStream.CreatedTime)) : null;
  const city = r.pick(CITIES);
  const u: GeneratedUser = {
    index: i,
    kind: p.kind,
    id: t.userId(i),
    userPrincipalName: upn,
    displayName: `${f[0]} ${l[0]}${suffix ? ` ${suffix}` : ''}`,
    givenName: f[0],
    surname: l[0],
    mail: upn,
    accountEnabled: p.enabled,
    userType: p.kind === 'guest' ? 'Guest' : 'Member',
    createdDateTime: created,
    department: r.pick(DEPARTMENTS),
    jobTitle: r.pick(TITLES),
    usageLocation: p.usage,
    officeLocation: r.chance(0.7) ? city : null,
    mobilePhone: r.chance(0.2) ? `+1 425 555 ${String(1000 + r.int(9000))}` : null,
    businessPhones: r.chance(0.5) ? [`+1 425 555 ${String(1000 + r.int(9000))}`] : [],
    preferredLanguage: r.pick(LANGS),
    createdDay: p.createdDay,
    deleted: i >= t.userCount,
  };
  if (r.chance(0.04)) u.displayName = `${l[0]}, ${f[0]}${suffix ? ` ${suffix}` : ''}`; // needs CSV quoting
  if (p.kind === 'guest') {
    const dom = upn.slice(upn.indexOf('_') + 1, upn.indexOf('#EXT#'));
    u.mail = `${f[1]}.${l[1]}${suffix}@${dom}`;
    const org = dom.slice(0, dom.indexOf('.'));
    u.displayName = `${f[0]} ${l[0]}${suffix ? ` ${suffix}` : ''} (${org.charAt(0).toUpperCase()}${org.slice(1)})`;
    u.department = null;
    u.jobTitle = null;
    u.officeLocation = null;
  } else if (p.kind === 'shared') {
    const dept = DEPARTMENTS[i % DEPARTMENTS.length]!;
    u.displayName = `Shared Mailbox - ${dept} ${i.toString(36)}`;
    u.givenName = null;
    u.surname = null;
    u.department = dept;
    u.jobTitle = null;
  } else if (p.kind === 'room') {
    const c = CITIES[i % CITIES.length]!;
    u.displayName = `Conference Room "${c} ${i.toString(36).toUpperCase()}"`; // quotes inside: CSV escaping
    u.givenName = null;
    u.surname = null;
    u.department = 'Facilities';
    u.jobTitle = null;
    u.officeLocation = c;
  }
  return u;
}
