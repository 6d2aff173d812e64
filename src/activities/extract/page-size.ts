// How the users walk reacts to Graph refusing a request: signInActivity not allowed, or a page size too large.
import { GraphBadRequestError, GraphPermissionError } from '../../graph/errors';
import type { PageSizes } from './types';

/**
 * 403 codes on a signInActivity query that mean "not for this tenant or app" (docs/graph.md): the users
 * are read again without signInActivity and the run says why. Matched on the code, never on the message.
 */
export const SIGN_IN_DENIED_CODES = [
  'Authentication_RequestFromNonPremiumTenantOrB2CTenant',
  'Authentication_MSGraphPermissionMissing',
  'Authentication_ApplicationHasNoDirectoryReadAccess',
] as const;

/**
 * The code of a refusal of signInActivity, decided on Graph's error code and never on the status: the
 * non-premium answer has come as 403 and as 400.
 */
export function signInRefusal(err: unknown): string | null {
  const code = err instanceof GraphPermissionError || err instanceof GraphBadRequestError ? err.code : undefined;
  return code && (SIGN_IN_DENIED_CODES as readonly string[]).includes(code) ? code : null;
}

/** Lowers the refused page size (to the size Graph named, else half); false when it cannot go lower. */
export function lowerPageSize(sizes: PageSizes, signIn: boolean, maxTop: number | undefined): boolean {
  const key: keyof PageSizes = signIn ? 'signIn' : 'users';
  const current = signIn ? Math.min(sizes.signIn, sizes.users) : sizes.users;
  const next = maxTop !== undefined && maxTop < current ? maxTop : Math.floor(current / 2);
  if (next < 1) return false;
  sizes[key] = next;
  return true;
}
