// Explains a 403 from Graph: which permission the request needed (from the permissions table), whether the
// token already holds it (consent still propagating), or the exact steps to grant it.
import { GraphPermissionError } from './errors';
import { loggablePath } from './http';
import { permissionMessage, requiredPermission } from './permissions';
import { decodeRoles } from './roles';

export interface FailureContext {
  status: number;
  requestId?: string;
  clientRequestId: string;
}

export function permissionFailure(
  clientId: string,
  method: string,
  url: URL,
  code: string | undefined,
  graphText: string,
  token: string,
  ctx: FailureContext,
): GraphPermissionError {
  const need = requiredPermission(method, url);
  const roles = new Set(decodeRoles(token));
  const where = `${method} ${loggablePath(url.href)}`;
  const detail = `Graph denied ${where} (403${code ? ` ${code}` : ''}${graphText ? `: ${graphText}` : ''}). `;
  if (!need) return new GraphPermissionError(detail + "Check the app's Microsoft Graph application permissions and admin consent.", { ...ctx, code, missing: [] });
  const held = need.anyOf.filter((r) => roles.has(r));
  if (held.length) {
    return new GraphPermissionError(
      detail + `The token already holds ${held.join(', ')}; a newly granted consent can take up to an hour to apply${need.note ? `, and ${need.note}` : ''}.`,
      { ...ctx, code, missing: [] },
    );
  }
  return new GraphPermissionError(detail + permissionMessage(clientId, [need.why], [need.grant]), { ...ctx, code, missing: [need.grant] });
}
