// Deterministic tenant: users, licences and activity generated on demand from (seed, index), so a million users
// cost almost no memory. Only licence changes made through assignLicense are stored (a Map of overrides).
import { fnv1a, guid, hash, hex32, Rng } from './prng';
import { DISABLEABLE_PLANS, SERVICES, SKUS, serviceMask, skuIndexByPart } from './skus';

export type UserKind = 'member' | 'guest' | 'shared' | 'room';
export type AssignmentState = 'Active' | 'ActiveWithError' | 'Disabled' | 'Error';

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

export interface LicenseEntry {
  skuIndex: number;
  skuId: string;
  /** Group object id, or null for a direct assignment. */
  assignedByGroup: string | null;
  disabledPlans: string[];
  state: AssignmentState;
  error: string | null;
  assignedDay: number;
  lastUpdatedDateTime: string;
}

export interface AssignedLicense {
  skuId: string;
  disabledPlans: string[];
}

export interface UserActivity {
  /** Days before the refresh date of the last activity per service (SERVICES order); -1 = never. */
  offsets: Int16Array;
}

const S_PROFILE = 1;
const S_DETAIL = 2;
const S_LIC = 3;
const S_ACT = 4;
const S_ID = 5;

export const DAY_MS = 86_400_000;
export const dayOf = (isoDate: string): number => Math.floor(Date.parse(`${isoDate.slice(0, 10)}T00:00:00Z`) / DAY_MS);
const dayCache = new Map<number, string>();
export function formatDay(day: number): string {
  let s = dayCache.get(day);
  if (s === undefined) {
    s = new Date(day * DAY_MS).toISOString().slice(0, 10);
    dayCache.set(day, s);
  }
  return s;
}
const two = (n: number): string => (n < 10 ? `0${n}` : String(n));
const timeOf = (h: number): string => `T${two(h % 24)}:${two((h >>> 5) % 60)}:${two((h >>> 11) % 60)}Z`;

// [display, ascii-for-addresses]
const FIRST: readonly (readonly [string, string])[] = [
  ['Adele', 'adele'], ['Alex', 'alex'], ['Allan', 'allan'], ['Bianca', 'bianca'], ['Brian', 'brian'], ['Cameron', 'cameron'],
  ['Christie', 'christie'], ['Debra', 'debra'], ['Diego', 'diego'], ['Emily', 'emily'], ['Enrico', 'enrico'], ['Grady', 'grady'],
  ['Henrietta', 'henrietta'], ['Irvin', 'irvin'], ['Isaiah', 'isaiah'], ['Johanna', 'johanna'], ['Joni', 'joni'], ['Lee', 'lee'],
  ['Lidia', 'lidia'], ['Lynne', 'lynne'], ['Megan', 'megan'], ['Miriam', 'miriam'], ['Nestor', 'nestor'], ['Patti', 'patti'],
  ['Pradeep', 'pradeep'], ['Raul', 'raul'], ['Sara', 'sara'], ['Tomás', 'tomas'], ['Zoë', 'zoe'], ['José', 'jose'],
  ['Björn', 'bjorn'], ['Søren', 'soren'], ['Åsa', 'asa'], ['Amélie', 'amelie'], ['Chen', 'chen'], ['Aiko', 'aiko'],
  ['Fatima', 'fatima'], ['Olu', 'olu'], ['Priya', 'priya'], ['Mateo', 'mateo'], ['Ingrid', 'ingrid'], ['Kwame', 'kwame'],
  ['Noah', 'noah'], ['Olivia', 'olivia'], ['Liam', 'liam'], ['Emma', 'emma'], ['Lucas', 'lucas'], ['Mia', 'mia'],
  ['Hiroshi', 'hiroshi'], ['Anya', 'anya'], ['Dmitri', 'dmitri'], ['Siobhán', 'siobhan'], ['Rafael', 'rafael'], ['Yara', 'yara'],
  ['Ngozi', 'ngozi'], ['Mei', 'mei'], ['Arjun', 'arjun'], ['Leila', 'leila'], ['Oscar', 'oscar'], ['Freya', 'freya'],
  ['Gabriel', 'gabriel'], ['Hana', 'hana'], ['Ivan', 'ivan'], ['Jade', 'jade'],
];
const LAST: readonly (readonly [string, string])[] = [
  ['Vance', 'vance'], ['Wilber', 'wilber'], ['Deyoung', 'deyoung'], ['Pires', 'pires'], ['Johnson', 'johnson'], ['Evans', 'evans'],
  ['Cline', 'cline'], ['Berg', 'berg'], ['Siciliani', 'siciliani'], ['Braun', 'braun'], ['Mo', 'mo'], ['Archie', 'archie'],
  ['Gonzalez', 'gonzalez'], ['Bellew', 'bellew'], ['Langer', 'langer'], ['Lauer', 'lauer'], ['Sherman', 'sherman'], ['Gu', 'gu'],
  ['Holloway', 'holloway'], ['Robbins', 'robbins'], ['Bowen', 'bowen'], ['Graham', 'graham'], ['Wilke', 'wilke'], ['Fernandez', 'fernandez'],
  ['Gupta', 'gupta'], ['Gomez', 'gomez'], ['Davis', 'davis'], ['Müller', 'muller'], ['Ødegaard', 'odegaard'], ['García', 'garcia'],
  ['Núñez', 'nunez'], ['Kowalski', 'kowalski'], ['O\'Brien', 'obrien'], ['Smith', 'smith'], ['Tanaka', 'tanaka'], ['Okafor', 'okafor'],
  ['Rossi', 'rossi'], ['Dubois', 'dubois'], ['Larsen', 'larsen'], ['Novak', 'novak'], ['Silva', 'silva'], ['Kim', 'kim'],
  ['Patel', 'patel'], ['Cohen', 'cohen'], ['Mensah', 'mensah'], ['Schmidt', 'schmidt'], ['Jansen', 'jansen'], ['Ivanova', 'ivanova'],
  ['Andersson', 'andersson'], ['Moreau', 'moreau'], ['Hughes', 'hughes'], ['Walsh', 'walsh'], ['Ali', 'ali'], ['Suzuki', 'suzuki'],
  ['Costa', 'costa'], ['Yilmaz', 'yilmaz'], ['Murphy', 'murphy'], ['Kaur', 'kaur'], ['Lopez', 'lopez'], ['Zhang', 'zhang'],
  ['Wright', 'wright'], ['Young', 'young'], ['Baker', 'baker'], ['Price', 'price'],
];
const NAME_COMBOS = FIRST.length * LAST.length; // 4096
const PERM_A = 1597; // odd, so coprime with 4096: j -> (A*j + B) mod 4096 is a bijection

const DEPARTMENTS = ['Sales', 'Marketing', 'Finance', 'Engineering', 'Operations', 'Human Resources', 'Legal', 'IT', 'Support', 'Research & Development', 'Retail', 'Manufacturing'];
const TITLES = ['Analyst', 'Manager', 'Engineer', 'Director', 'Specialist', 'Consultant', 'Coordinator', 'Administrator', 'Associate', 'Team Lead', 'Intern', 'VP'];
const LOCATIONS = ['US', 'US', 'US', 'US', 'GB', 'DE', 'FR', 'IN', 'CA', 'NL', 'SE', 'JP', 'AU', 'BR', 'ES'];
const CITIES = ['Seattle', 'Redmond', 'London', 'Berlin', 'Paris', 'Bengaluru', 'Toronto', 'Amsterdam', 'Stockholm', 'Tokyo', 'Sydney', 'São Paulo', 'Madrid'];
const GUEST_DOMAINS = ['contoso.com', 'fabrikam.com', 'northwindtraders.com', 'adatum.com', 'gmail.com', 'outlook.com'];
const LANGS = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'ja-JP', null];

/** Probability that a user of the service uses it at all (given a licence). */
const SERVICE_USE = [0.95, 0.7, 0.55, 0.08, 0.12, 0.85];

export interface Profile {
  kind: UserKind;
  enabled: boolean;
  usage: string | null;
  createdDay: number;
  createdKnown: boolean;
}

const BASE_SKUS = ['SPE_E3', 'ENTERPRISEPACK', 'SPE_E5', 'O365_BUSINESS_PREMIUM', 'EXCHANGESTANDARD'].map(skuIndexByPart);
const BASE_WEIGHTS = [0.42, 0.18, 0.12, 0.14, 0.14];
const ADDONS: readonly (readonly [number, number])[] = [
  [skuIndexByPart('POWER_BI_PRO'), 0.1],
  [skuIndexByPart('POWER_BI_STANDARD'), 0.15],
  [skuIndexByPart('FLOW_FREE'), 0.08],
  [skuIndexByPart('POWERAPPS_VIRAL'), 0.03],
  [skuIndexByPart('VISIOCLIENT'), 0.03],
  [skuIndexByPart('PROJECTPROFESSIONAL'), 0.02],
];
const EXO_STD = skuIndexByPart('EXCHANGESTANDARD');
const PBI_PRO = skuIndexByPart('POWER_BI_PRO');
const FLOW_FREE = skuIndexByPart('FLOW_FREE');
const EARLY_2018 = dayOf('2018-06-01');
/** Odd multiplier (a bijection mod 2^32) so consecutive users' ids do not share a visible pattern; and its inverse. */
const ID_MUL = 0x9e3779b1;
const ID_MUL_INV = ((): number => {
  let x = ID_MUL;
  for (let k = 0; k < 5; k++) x = Math.imul(x, 2 - Math.imul(ID_MUL, x));
  return x >>> 0;
})();

export interface TenantOptions {
  seed: number;
  userCount: number;
  todayDay: number;
  domain: string;
}

export class Tenant {
  readonly seed: number;
  readonly userCount: number;
  readonly todayDay: number;
  readonly domain: string;
  /** Report-only rows for recently deleted users (indices userCount .. userCount+deletedCount-1). */
  readonly deletedCount: number;
  private readonly permB: number;
  private readonly maskLo: number;
  private readonly maskHi: number;
  private readonly overrides = new Map<number, LicenseEntry[]>();
  private upnKeys?: Uint32Array;
  private upnVals?: Int32Array;
  private consumedCache?: Int32Array;
  private baselineConsumed?: Int32Array;

  constructor(o: TenantOptions) {
    this.seed = o.seed;
    this.userCount = o.userCount;
    this.todayDay = o.todayDay;
    this.domain = o.domain;
    this.deletedCount = o.userCount >= 20 ? Math.ceil(o.userCount * 0.005) : 0;
    this.permB = hash(o.seed, 7) % NAME_COMBOS;
    this.maskLo = hash(o.seed, 8);
    this.maskHi = hash(o.seed, 9) & 0xffff;
  }

  // ---- identity ----------------------------------------------------------------------------------------------

  userId(i: number): string {
    const a = hash(this.seed, i, S_ID, 1);
    const b = hex32(hash(this.seed, i, S_ID, 2));
    const c = hash(this.seed, i, S_ID, 3);
    const hi = (Math.floor(i / 4294967296) ^ this.maskHi) & 0xffff;
    const lo = Math.imul((i ^ this.maskLo) >>> 0, ID_MUL) >>> 0;
    const variant = '89ab'[c & 3]!;
    return `${hex32(a)}-${b.slice(0, 4)}-4${b.slice(5, 8)}-${variant}${hex32(c).slice(1, 4)}-${hi.toString(16).padStart(4, '0')}${hex32(lo)}`;
  }

  /** Index of a live user by object id, or -1. */
  indexOfId(id: string): number {
    const s = id.toLowerCase();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(s)) return -1;
    const hi = (parseInt(s.slice(24, 28), 16) ^ this.maskHi) & 0xffff;
    const lo = (Math.imul(parseInt(s.slice(28, 36), 16), ID_MUL_INV) ^ this.maskLo) >>> 0;
    const i = hi * 4294967296 + lo;
    if (i >= this.userCount) return -1;
    return this.userId(i) === s ? i : -1;
  }

  /** Index of a live user by user principal name (case-insensitive), or -1. Builds a compact hash index on first use. */
  indexOfUpn(upn: string): number {
    if (!this.upnKeys) this.buildUpnIndex();
    const keys = this.upnKeys!;
    const vals = this.upnVals!;
    const lower = upn.toLowerCase();
    const h = fnv1a(lower);
    const mask = keys.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const v = vals[slot]!;
      if (v === 0) return -1;
      if (keys[slot] === h) {
        const i = v - 1;
        if (this.upnOf(i).toLowerCase() === lower) return i;
      }
    }
  }

  /** Resolve `{id | userPrincipalName}` as used in /users/{...} paths. */
  resolveUser(idOrUpn: string): number {
    return idOrUpn.includes('@') ? this.indexOfUpn(idOrUpn) : this.indexOfId(idOrUpn);
  }

  private buildUpnIndex(): void {
    let size = 1024;
    while (size < this.userCount * 2) size *= 2;
    const keys = new Uint32Array(size);
    const vals = new Int32Array(size);
    const mask = size - 1;
    for (let i = 0; i < this.userCount; i++) {
      const h = fnv1a(this.upnOf(i).toLowerCase());
      let slot = h & mask;
      while (vals[slot] !== 0) slot = (slot + 1) & mask;
      keys[slot] = h;
      vals[slot] = i + 1;
    }
    this.upnKeys = keys;
    this.upnVals = vals;
  }

  private nameParts(i: number): { f: readonly [string, string]; l: readonly [string, string]; suffix: string } {
    const block = Math.floor(i / NAME_COMBOS);
    const p = (PERM_A * (i % NAME_COMBOS) + this.permB) % NAME_COMBOS;
    const f = FIRST[p % FIRST.length]!;
    const l = LAST[Math.floor(p / FIRST.length)]!;
    return { f, l, suffix: block === 0 ? '' : String(block + 1) };
  }

  profile(i: number): Profile {
    const r = new Rng(hash(this.seed, i, S_PROFILE));
    const k = r.float();
    const kind: UserKind = i >= this.userCount ? 'member' : k < 0.03 ? 'guest' : k < 0.045 ? 'shared' : k < 0.055 ? 'room' : 'member';
    let enabled = true;
    let usage: string | null = r.pick(LOCATIONS);
    const recent = r.chance(0.02);
    const createdDay = recent ? this.todayDay - r.int(10) : this.todayDay - 15 - r.int(2900);
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

  private upnOf(i: number, prof?: Profile): string {
    const p = prof ?? this.profile(i);
    const { f, l, suffix } = this.nameParts(i);
    switch (p.kind) {
      case 'guest': {
        const dom = GUEST_DOMAINS[hash(this.seed, i, 11) % GUEST_DOMAINS.length]!;
        return `${f[1]}.${l[1]}${suffix}_${dom}#EXT#@${this.domain}`;
      }
      case 'shared':
        return `shared-${DEPARTMENTS[i % DEPARTMENTS.length]!.toLowerCase().replace(/[^a-z]+/g, '')}-${i.toString(36)}@${this.domain}`;
      case 'room':
        return `room-${CITIES[i % CITIES.length]!.toLowerCase().replace(/[^a-z]+/g, '')}-${i.toString(36)}@${this.domain}`;
      default:
        return `${f[1]}.${l[1]}${suffix}@${this.domain}`;
    }
  }

  /** The generated user at index i (0 <= i < userCount; indices up to userCount+deletedCount are deleted users). */
  userAt(i: number, prof?: Profile): GeneratedUser {
    const p = prof ?? this.profile(i);
    const r = new Rng(hash(this.seed, i, S_DETAIL));
    const { f, l, suffix } = this.nameParts(i);
    const upn = this.upnOf(i, p);
    const created = p.createdKnown ? formatDay(p.createdDay) + timeOf(hash(this.seed, i, 12)) : null;
    const city = r.pick(CITIES);
    const u: GeneratedUser = {
      index: i,
      kind: p.kind,
      id: this.userId(i),
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
      deleted: i >= this.userCount,
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

  // ---- licences ----------------------------------------------------------------------------------------------

  private groupIds: string[][] = [];
  groupId(skuIndex: number, g: number): string {
    const row = (this.groupIds[skuIndex] ??= []);
    return (row[g] ??= guid(this.seed, 100 + skuIndex, g));
  }

  /** Licences as generated (what the usage reports show until the next refresh). */
  baselineLicenses(i: number, prof?: Profile): LicenseEntry[] {
    const p = prof ?? this.profile(i);
    const r = new Rng(hash(this.seed, i, S_LIC));
    const out: LicenseEntry[] = [];
    if (i >= this.userCount) return out;
    switch (p.kind) {
      case 'guest':
        if (r.chance(0.1)) this.push(out, i, p, r, PBI_PRO, -1, []);
        return out;
      case 'shared':
        if (r.chance(0.5)) this.push(out, i, p, r, EXO_STD, -1, []);
        return out;
      case 'room':
        if (p.enabled && r.chance(0.5)) this.push(out, i, p, r, EXO_STD, -1, []);
        return out;
      default:
        break;
    }
    if (p.usage === null ? r.chance(0.7) : r.chance(0.1)) {
      if (r.chance(0.05)) this.push(out, i, p, r, FLOW_FREE, -1, []);
      return out;
    }
    let x = r.float();
    let b = 0;
    while (b < BASE_WEIGHTS.length - 1 && x >= BASE_WEIGHTS[b]!) x -= BASE_WEIGHTS[b++]!;
    const base = BASE_SKUS[b]!;
    const viaGroup = p.usage === null || r.chance(0.3);
    const both = p.usage !== null && r.chance(0.02);
    const disabled: string[] = [];
    if (r.chance(0.15)) {
      const plans = disableablePlans(base);
      if (plans.length > 0) {
        disabled.push(r.pick(plans));
        if (plans.length > 1 && r.chance(0.3)) {
          const second = r.pick(plans);
          if (!disabled.includes(second)) disabled.push(second);
        }
      }
    }
    if (viaGroup) {
      const err = r.chance(0.01);
      this.push(out, i, p, r, base, r.int(3), disabled, err ? 'Error' : 'Active', err ? 'CountViolation' : null);
      if (both) this.push(out, i, p, r, base, -1, disabled);
    } else {
      this.push(out, i, p, r, base, -1, disabled);
    }
    for (const [sku, prob] of ADDONS) if (r.chance(prob)) this.push(out, i, p, r, sku, viaGroup && r.chance(0.5) ? r.int(3) : -1, []);
    return out;
  }

  // A method, not a closure: tsx's keepNames makes per-call closures costly in hot paths.
  private push(out: LicenseEntry[], i: number, p: Profile, r: Rng, skuIndex: number, group: number, disabled: string[], state: AssignmentState = 'Active', error: string | null = null): void {
    const day = Math.min(this.todayDay, p.createdDay + r.int(60));
    out.push({
      skuIndex,
      skuId: SKUS[skuIndex]!.skuId,
      assignedByGroup: group < 0 ? null : this.groupId(skuIndex, group),
      disabledPlans: disabled,
      state,
      error,
      assignedDay: day,
      lastUpdatedDateTime: formatDay(day) + timeOf(hash(this.seed, i, 13, skuIndex)),
    });
  }

  /** Current licence assignment states of a live user (assignLicense changes included). */
  licenses(i: number, prof?: Profile): LicenseEntry[] {
    return this.overrides.get(i) ?? this.baselineLicenses(i, prof);
  }

  setLicenses(i: number, entries: LicenseEntry[]): void {
    if (this.consumedCache) {
      const before = assignedSkuIndexes(this.licenses(i));
      const after = assignedSkuIndexes(entries);
      for (const s of before) this.consumedCache[s]!--;
      for (const s of after) this.consumedCache[s]!++;
    }
    this.overrides.set(i, entries);
  }

  /** Users whose licences were changed through assignLicense. */
  changedUsers(): number[] {
    return [...this.overrides.keys()];
  }

  /** consumedUnits per SKU (index into SKUS), computed on first use and kept current. */
  consumed(): Int32Array {
    if (!this.consumedCache) {
      const base = new Int32Array(SKUS.length);
      const cur = new Int32Array(SKUS.length);
      for (let i = 0; i < this.userCount; i++) {
        const bl = this.baselineLicenses(i);
        for (const s of assignedSkuIndexes(bl)) base[s]!++;
        for (const s of assignedSkuIndexes(this.overrides.get(i) ?? bl)) cur[s]!++;
      }
      this.baselineConsumed = base;
      this.consumedCache = cur;
    }
    return this.consumedCache;
  }

  /** Prepaid units per SKU, derived from the generated assignments so they are consistent with consumedUnits. */
  prepaid(skuIndex: number): { enabled: number; suspended: number; warning: number; lockedOut: number; capabilityStatus: string } {
    this.consumed();
    const c = this.baselineConsumed![skuIndex]!;
    const sku = SKUS[skuIndex]!;
    if (sku.skuPartNumber === 'VISIOCLIENT') return { enabled: c, suspended: 0, warning: 0, lockedOut: 0, capabilityStatus: 'Enabled' };
    if (sku.skuPartNumber === 'PROJECTPROFESSIONAL') return { enabled: 0, suspended: 0, warning: c + 5, lockedOut: 0, capabilityStatus: 'Warning' };
    if (sku.kind === 'free') return { enabled: sku.skuPartNumber === 'POWER_BI_STANDARD' ? 1000000 : 10000, suspended: 0, warning: 0, lockedOut: 0, capabilityStatus: 'Enabled' };
    if (sku.kind === 'trial') return { enabled: 10000, suspended: 0, warning: 0, lockedOut: 0, capabilityStatus: 'Enabled' };
    return { enabled: c + Math.max(2, Math.ceil(c * 0.06)), suspended: 0, warning: 0, lockedOut: 0, capabilityStatus: 'Enabled' };
  }

  // ---- activity ----------------------------------------------------------------------------------------------

  /**
   * Per-service activity, in days before the report refresh date (-1 = never). Skew: most users active within a
   * week, a tail inactive 30-365 days, some never active; disabled accounts mostly inactive.
   */
  activity(i: number, licensedMask: number, prof?: Profile): Int16Array {
    const p = prof ?? this.profile(i);
    const r = new Rng(hash(this.seed, i, S_ACT));
    const out = new Int16Array(SERVICES.length).fill(-1);
    const c = r.float();
    let base: number;
    let spread: number;
    if (!p.enabled && p.kind === 'member') {
      if (c < 0.6) return out;
      base = 30 + r.int(336);
      spread = 60;
    } else if (p.kind === 'shared' || p.kind === 'room') {
      if (c < 0.5) return out;
      base = r.int(120);
      spread = 30;
    } else if (c < 0.62) {
      base = r.int(7);
      spread = 4;
    } else if (c < 0.77) {
      base = 7 + r.int(23);
      spread = 10;
    } else if (c < 0.92) {
      base = 30 + r.int(336);
      spread = 60;
    } else {
      return out;
    }
    for (let s = 0; s < SERVICES.length; s++) {
      const licensed = (licensedMask & (1 << s)) !== 0;
      if (!r.chance(licensed ? SERVICE_USE[s]! : 0.05)) continue;
      out[s] = Math.min(400, base + r.int(spread));
    }
    return out;
  }

  /** Deterministic per-user random stream for report values (email counts, deletion dates). */
  reportRng(i: number, salt: number): Rng {
    return new Rng(hash(this.seed, i, 20 + salt));
  }
}

const DISABLEABLE_BY_SKU: string[][] = SKUS.map((s) => s.servicePlans.map((p) => p.servicePlanId).filter((id) => DISABLEABLE_PLANS.includes(id)));
const disableablePlans = (k: number): string[] => DISABLEABLE_BY_SKU[k]!;

/** SKUs a user actually holds (what assignedLicenses lists): Error entries hold nothing; direct+group count once. */
export function assignedSkuIndexes(entries: readonly LicenseEntry[]): number[] {
  const out: number[] = [];
  for (const e of entries) if (e.state !== 'Error' && !out.includes(e.skuIndex)) out.push(e.skuIndex);
  return out;
}

/** Graph's assignedLicenses view of the entries (direct entry's disabled plans win). */
export function toAssignedLicenses(entries: readonly LicenseEntry[]): AssignedLicense[] {
  const out: AssignedLicense[] = [];
  const seen = new Map<number, AssignedLicense>();
  for (const e of entries) {
    if (e.state === 'Error') continue;
    const prev = seen.get(e.skuIndex);
    if (prev) {
      if (e.assignedByGroup === null) prev.disabledPlans = e.disabledPlans.slice();
      continue;
    }
    const a = { skuId: e.skuId, disabledPlans: e.disabledPlans.slice() };
    seen.set(e.skuIndex, a);
    out.push(a);
  }
  return out;
}

export function toAssignmentStates(entries: readonly LicenseEntry[]): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (const e of entries) {
    out.push({
      assignedByGroup: e.assignedByGroup,
      disabledPlans: e.disabledPlans.slice(),
      error: e.error,
      lastUpdatedDateTime: e.lastUpdatedDateTime,
      skuId: e.skuId,
      state: e.state,
    });
  }
  return out;
}

/** Service mask of what the entries license (Error entries excluded). */
export function licensedServiceMask(entries: readonly LicenseEntry[], maxDay = Infinity): number {
  let m = 0;
  for (const e of entries) if (e.state !== 'Error' && e.assignedDay <= maxDay) m |= serviceMask(SKUS[e.skuIndex]!, e.disabledPlans);
  return m;
}
