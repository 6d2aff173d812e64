// The generated licence assignments: a base suite per member (directly or through one of three groups per SKU),
// add-ons, disabled plans, the odd assignment error; and Graph's views of them (assignedLicenses, states).
import { formatDay, timeOf } from './dates';
import { guid, type Rng } from './prng';
import { RandomStream, userHash, userRng } from './random-streams';
import { DISABLEABLE_PLANS, SKUS, serviceMask, skuIndexByPart } from './skus';
import type { Profile } from './users';

export type AssignmentState = 'Active' | 'ActiveWithError' | 'Disabled' | 'Error';

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

/** What the licence functions need of the tenant. */
export interface LicenceContext {
  readonly seed: number;
  readonly userCount: number;
  readonly todayDay: number;
  /** Object id of licence group g (0..2) of a SKU. */
  groupId(skuIndex: number, g: number): string;
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
  // Last, so drawing it shifts no earlier value of the licence stream.
  [skuIndexByPart('Microsoft_365_Copilot'), 0.06],
];
const EXO_STD = skuIndexByPart('EXCHANGESTANDARD');
const PBI_PRO = skuIndexByPart('POWER_BI_PRO');
const FLOW_FREE = skuIndexByPart('FLOW_FREE');

const DISABLEABLE_BY_SKU: string[][] = SKUS.map((s) => s.servicePlans.map((p) => p.servicePlanId).filter((id) => DISABLEABLE_PLANS.includes(id)));
const disableablePlans = (k: number): string[] => DISABLEABLE_BY_SKU[k]!;

/** The object id of licence group g of a SKU (uncached; the tenant caches it). */
export const groupIdOf = (seed: number, skuIndex: number, g: number): string => guid(seed, RandomStream.Group + skuIndex, g);

/** Licences as generated (what the usage reports show until the next refresh). */
export function baselineLicenses(t: LicenceContext, i: number, p: Profile): LicenseEntry[] {
  const r = userRng(t.seed, i, RandomStream.Licences);
  const out: LicenseEntry[] = [];
  if (i >= t.userCount) return out;
  switch (p.kind) {
    case 'guest':
      if (r.chance(0.1)) push(t, out, i, p, r, PBI_PRO, -1, []);
      return out;
    case 'shared':
      if (r.chance(0.5)) push(t, out, i, p, r, EXO_STD, -1, []);
      return out;
    case 'room':
      if (p.enabled && r.chance(0.5)) push(t, out, i, p, r, EXO_STD, -1, []);
      return out;
    default:
      break;
  }
  if (p.usage === null ? r.chance(0.7) : r.chance(0.1)) {
    if (r.chance(0.05)) push(t, out, i, p, r, FLOW_FREE, -1, []);
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
    push(t, out, i, p, r, base, r.int(3), disabled, err ? 'Error' : 'Active', err ? 'CountViolation' : null);
    if (both) push(t, out, i, p, r, base, -1, disabled);
  } else {
    push(t, out, i, p, r, base, -1, disabled);
  }
  for (const [sku, prob] of ADDONS) if (r.chance(prob)) push(t, out, i, p, r, sku, viaGroup && r.chance(0.5) ? r.int(3) : -1, []);
  return out;
}

// A module function, not a closure: tsx's keepNames makes per-call closures costly in hot paths.
function push(
  t: LicenceContext,
  out: LicenseEntry[],
  i: number,
  p: Profile,
  r: Rng,
  skuIndex: number,
  group: number,
  disabled: string[],
  state: AssignmentState = 'Active',
  error: string | null = null,
): void {
  const day = Math.min(t.todayDay, p.createdDay + r.int(60));
  out.push({
    skuIndex,
    skuId: SKUS[skuIndex]!.skuId,
    assignedByGroup: group < 0 ? null : t.groupId(skuIndex, group),
    disabledPlans: disabled,
    state,
    error,
    assignedDay: day,
    lastUpdatedDateTime: formatDay(day) + timeOf(userHash(t.seed, i, RandomStream.LicenceUpdatedTime, skuIndex)),
  });
}

export interface PrepaidUnits {
  enabled: number;
  suspended: number;
  warning: number;
  lockedOut: number;
  capabilityStatus: string;
}

/** Prepaid units of a SKU from its generated holders (`consumed`), so they are consistent with consumedUnits. */
export function prepaidUnits(skuIndex: number, consumed: number): PrepaidUnits {
  const c = consumed;
  const sku = SKUS[skuIndex]!;
  if (sku.skuPartNumber === 'VISIOCLIENT') return { enabled: c, suspended: 0, warning: 0, lockedOut: 0, capabilityStatus: 'Enabled' };
  if (sku.skuPartNumber === 'PROJECTPROFESSIONAL') return { enabled: 0, suspended: 0, warning: c + 5, lockedOut: 0, capabilityStatus: 'Warning' };
  if (sku.kind === 'free') return { enabled: sku.skuPartNumber === 'POWER_BI_STANDARD' ? 1000000 : 10000, suspended: 0, warning: 0, lockedOut: 0, capabilityStatus: 'Enabled' };
  if (sku.kind === 'trial') return { enabled: 10000, suspended: 0, warning: 0, lockedOut: 0, capabilityStatus: 'Enabled' };
  return { enabled: c + Math.max(2, Math.ceil(c * 0.06)), suspended: 0, warning: 0, lockedOut: 0, capabilityStatus: 'Enabled' };
}

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
