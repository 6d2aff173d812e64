// Sign-in activity in the load: Graph's signInActivity times as TIMESTAMPTZ (the "never" sentinel and empty
// strings become NULL), whether this snapshot has them, and the one line the run's message says about them.
import type { DuckDBConnection } from '@duckdb/node-api';
import { OVER_SIGN_IN_BUDGET, type SignInOutcome } from '../../shared/staging-contract';

/** SQL over stg_users: one signInActivity field as TIMESTAMPTZ; '', null, missing and 0001-01-01 are all NULL. */
export const signInTime = (field: string): string =>
  `CASE WHEN try_cast(u.signInActivity.${field} AS TIMESTAMPTZ) >= TIMESTAMPTZ '1900-01-01 00:00:00+00'
        THEN try_cast(u.signInActivity.${field} AS TIMESTAMPTZ) END`;

/** Over the three sign-in time columns: the user has a time, so a `sign_ins` row (no row reads as NULL times). */
export const HAS_SIGN_IN = 'coalesce(last_sign_in_at, last_non_interactive_sign_in_at, last_successful_sign_in_at) IS NOT NULL';

/** Whether the staged users (`stgUsers`: a relation with column u STRUCT) carry sign-in activity: the manifest says so, or (no manifest entry) any user has it. */
export async function signInLoaded(conn: DuckDBConnection, outcome: SignInOutcome | null | undefined, stgUsers: string): Promise<boolean> {
  if (outcome) return outcome.available;
  const r = await conn.runAndReadAll(`SELECT count(*) > 0 FROM ${stgUsers} WHERE u.signInActivity IS NOT NULL`);
  return r.getRowsJson()[0]?.[0] === true;
}

const ENABLE =
  'To decide inactivity from sign-ins too, grant the app AuditLog.Read.All and Directory.Read.All (Entra admin center → App registrations → ' +
  'API permissions → Microsoft Graph → Application permissions) with admin consent; the tenant needs Microsoft Entra ID P1 or P2 ' +
  '(included in Microsoft 365 E3/E5 and Business Premium).';

/** The run message's sentence about sign-ins: what is missing and how to enable it, or how they were used. */
export function signInNote(outcome: SignInOutcome | null | undefined, loaded: boolean, concealed: boolean): string {
  if (loaded) {
    return concealed
      ? 'Sign-in activity was loaded: inactivity candidates are computed from sign-ins (marked inactivity_signal = sign_in or both) while the reports are concealed.'
      : 'Sign-in activity loaded (inactivity signal: the tenant setting, default both).';
  }
  if (!outcome) return '';
  switch (outcome.reason) {
    case 'not_granted':
      return `Sign-in activity not read: the app does not hold AuditLog.Read.All, so inactivity comes from the usage reports only. ${ENABLE}`;
    case OVER_SIGN_IN_BUDGET:
      return "Sign-in activity not read on this run: reading every user's sign-ins would take longer than M365_SIGNIN_MAX_MINUTES at Graph's limit of 10 signInActivity pages a minute per app (500 users a page), so inactivity comes from the usage reports. The worker's log gives the tenant's size and the minutes it would take; raise the budget to read them anyway.";
    case 'read_by_delta':
      return 'Sign-in activity not read on this run: the roster came from users/delta, which cannot return signInActivity, so inactivity comes from the usage reports until the next full walk of the users.';
    case 'Authentication_RequestFromNonPremiumTenantOrB2CTenant':
      return `Sign-in activity not available: Graph says the tenant has no Microsoft Entra ID P1/P2 licence (Authentication_RequestFromNonPremiumTenantOrB2CTenant), so inactivity comes from the usage reports only. If it does have P1/P2, grant Directory.Read.All as well: without it Graph's licence check fails intermittently. ${ENABLE}`;
    case 'Authentication_MSGraphPermissionMissing':
      return `Sign-in activity not available: Graph says the app lacks AuditLog.Read.All (Authentication_MSGraphPermissionMissing; consent can take up to an hour to apply), so inactivity comes from the usage reports only. ${ENABLE}`;
    default:
      return `Sign-in activity not available (${outcome.reason ?? 'unknown reason'}), so inactivity comes from the usage reports only. ${ENABLE}`;
  }
}
