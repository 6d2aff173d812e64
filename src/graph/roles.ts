// Reads the application permissions an app-only token carries, which the preflights and the 403 diagnosis
// compare against the permissions table; the token is Graph's to validate, so it is only decoded here.

/** The `roles` claim of an app-only access token (application permissions). The token is not validated. */
export function decodeRoles(accessToken: string): string[] {
  const payload = accessToken.split('.')[1];
  if (!payload) return [];
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { roles?: unknown };
    return Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string') : [];
  } catch {
    return [];
  }
}
