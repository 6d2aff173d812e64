// signInActivity on users: dates consistent with the generated activity (a user signs in on
// the day of their last activity; token refreshes keep non-interactive sign-ins a little later), the quirks real
// tenants show (property null, the 0001-01-01 sentinel with "" request ids, older rows without lastSuccessful*),
// and Microsoft's exact 403s for a tenant without Entra ID P1/P2 and for an app without AuditLog.Read.All.
import { formatDay } from './dates';
import { sendGraphError, type Exchange } from './http';
import { licensedServiceMask } from './licences';
import type { Tenant } from './tenant';
import type { GeneratedUser } from './users';

const SENTINEL = '0001-01-01T00:00:00Z';

/** 403 when the app lacks AuditLog.Read.All (the 2025+ wording; match on the code, not the text). */
export function denyMissingAuditLog(ex: Exchange): void {
  sendGraphError(ex, 403, 'Authentication_MSGraphPermissionMissing', 'The principal does not have required Microsoft Graph permission(s): AuditLog.Read.All.');
}

/** 403 when the tenant has no Microsoft Entra ID P1/P2 licence (or is B2C). */
export function denyNonPremium(ex: Exchange, status: 400 | 403 = 403): void {
  sendGraphError(ex, status, 'Authentication_RequestFromNonPremiumTenantOrB2CTenant', "Neither tenant is B2C or tenant doesn't have premium license");
}

export function signInActivityOf(t: Tenant, u: GeneratedUser, refreshDay: number): Record<string, string> | null {
  const r = t.reportRng(u.index, 8);
  const off = t.activity(u.index, licensedServiceMask(t.baselineLicenses(u.index)));
  let best = -1;
  for (const v of off) if (v >= 0 && (best < 0 || v < best)) best = v;
  const rid = (n: number): string => `${u.id.slice(0, 24)}${u.id.slice(-11)}${n}`;
  if (best < 0 || refreshDay - best < u.createdDay) {
    // Never signed in: Graph shows either no property at all or the sentinel.
    if (!r.chance(0.3)) return null;
    return {
      lastSignInDateTime: SENTINEL,
      lastSignInRequestId: '',
      lastNonInteractiveSignInDateTime: SENTINEL,
      lastNonInteractiveSignInRequestId: '',
      lastSuccessfulSignInDateTime: '',
      lastSuccessfulSignInRequestId: '',
    };
  }
  const interactive = refreshDay - best;
  // Sign-in data is not lagged like the reports: refresh tokens keep signing in until today for recent users.
  const nonInteractive = Math.min(t.todayDay, interactive + (best < 7 ? 2 : r.int(2)));
  const time = (day: number, h: number): string => `${formatDay(day)}T${String(7 + (h % 10)).padStart(2, '0')}:${String(r.int(60)).padStart(2, '0')}:00Z`;
  const out: Record<string, string> = {
    lastSignInDateTime: time(interactive, 1),
    lastSignInRequestId: rid(1),
    lastNonInteractiveSignInDateTime: time(nonInteractive, 5),
    lastNonInteractiveSignInRequestId: rid(2),
  };
  // lastSuccessful* exists since 2023-12; some rows still come without it.
  if (!r.chance(0.1)) {
    out.lastSuccessfulSignInDateTime = out.lastNonInteractiveSignInDateTime! > out.lastSignInDateTime! ? out.lastNonInteractiveSignInDateTime! : out.lastSignInDateTime!;
    out.lastSuccessfulSignInRequestId = rid(3);
  }
  return out;
}
