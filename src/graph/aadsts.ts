// Turns a failed token request into a typed error whose message tells the admin what to fix: AADSTS codes
// get specific advice, throttling and 5xx stay retryable, TLS trust failures point at M365_CA_FILE.
import { GraphAuthError, GraphThrottledError, GraphTlsError, GraphTransientError } from './errors';
import { classifyNetworkError } from './http';
import type { TokenOutcome } from './msal-network';

/** What to tell the admin for each AADSTS code we know. */
const AADSTS_ADVICE: Record<number, string> = {
  7000215:
    "Invalid client secret (AADSTS7000215). Set M365_CLIENT_SECRET to the secret's Value, not its Secret ID: " +
    'Entra admin center → App registrations → <app> → Certificates & secrets; the Value is shown only once, so create a new secret if it is lost.',
  7000222:
    'The client secret has expired (AADSTS7000222). Create a new secret under Entra admin center → App registrations → <app> → ' +
    'Certificates & secrets → New client secret, and set M365_CLIENT_SECRET to its Value.',
  7000218: 'The token request carried no client secret or certificate (AADSTS7000218). Set M365_CLIENT_SECRET or M365_CLIENT_CERT_PATH.',
  90002: 'Tenant not found (AADSTS90002). Check M365_TENANT_ID: use the Directory (tenant) ID GUID or a verified domain of the tenant.',
  700016:
    'Application not found in the tenant (AADSTS700016). Check M365_CLIENT_ID (the Application (client) ID) and M365_TENANT_ID, ' +
    'and that the app is registered in, or consented to by, this tenant.',
  7000229:
    'The app has no service principal in the tenant (AADSTS7000229). A tenant admin must consent to the app: ' +
    'Entra admin center → App registrations → <app> → API permissions → Grant admin consent.',
  700027:
    'The certificate assertion was rejected (AADSTS700027). Upload the certificate under App registrations → <app> → ' +
    'Certificates & secrets → Certificates, and check M365_CLIENT_CERT_THUMBPRINT.',
  700024: "The client assertion is outside its valid time range (AADSTS700024). Check the worker's clock (NTP).",
  70011: 'Invalid scope (AADSTS70011). The app must request https://graph.microsoft.com/.default.',
  900144: 'The token request is missing a parameter (AADSTS900144). Check M365_CLIENT_ID and the credential settings.',
  90055: 'The tenant is being throttled by the identity platform (AADSTS90055).',
  50034: 'The account or app does not exist in the tenant (AADSTS50034). Check M365_TENANT_ID and M365_CLIENT_ID.',
};

const THROTTLING_AADSTS = new Set([90055, 50196]);

export type TokenFailure = GraphAuthError | GraphTransientError | GraphThrottledError | GraphTlsError;

/** The typed error for a failed token request; `last` is the last authority response MSAL saw, if any. */
export function classifyTokenFailure(err: unknown, last: TokenOutcome | undefined, clientId: string): TokenFailure {
  if (err instanceof GraphAuthError || err instanceof GraphTransientError || err instanceof GraphThrottledError || err instanceof GraphTlsError) return err;
  const ctx = { cause: err, requestId: last?.traceId, status: last?.status };
  if (last?.networkError !== undefined) {
    const net = classifyNetworkError(last.networkError);
    if (net.kind === 'tls') {
      return new GraphTlsError(
        `The authority's TLS certificate is not trusted (${net.code}). For a private CA (the simulator) set M365_CA_FILE to its CA certificate; verification is never disabled.`,
        ctx,
      );
    }
    return new GraphTransientError(`The token endpoint could not be reached (${net.code ?? 'network error'}); retry later.`, ctx);
  }
  const aadsts = aadstsOf(err, last);
  if (aadsts !== undefined && THROTTLING_AADSTS.has(aadsts)) {
    return new GraphThrottledError(AADSTS_ADVICE[aadsts] ?? `Throttled by the identity platform (AADSTS${aadsts}).`, { ...ctx, retryAfterMs: last?.retryAfterMs });
  }
  if (last?.status !== undefined && (last.status === 429 || last.status >= 500)) {
    const Cls = last.status === 429 ? GraphThrottledError : GraphTransientError;
    return new Cls(`The token endpoint answered HTTP ${last.status}; retry later.`, { ...ctx, retryAfterMs: last.retryAfterMs });
  }
  if (aadsts !== undefined) {
    const advice = AADSTS_ADVICE[aadsts] ?? `The identity platform refused the app's credentials (AADSTS${aadsts}); see https://login.microsoftonline.com/error?code=${aadsts}.`;
    return new GraphAuthError(advice.replace('<app>', `the app ${clientId}`), { ...ctx, aadsts });
  }
  const code = (err as { errorCode?: unknown })?.errorCode;
  if (last?.status !== undefined && last.status >= 400) {
    return new GraphAuthError(
      `The token request failed with HTTP ${last.status}${typeof code === 'string' ? ` (${code})` : ''}; check M365_TENANT_ID, M365_CLIENT_ID and the credential.`,
      ctx,
    );
  }
  // MSAL configuration errors (bad authority URL, unreadable key) cannot succeed on retry.
  const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
  return new GraphAuthError(`MSAL could not request a token: ${msg}. Check M365_AUTHORITY_HOST, M365_TENANT_ID and the credential settings.`, ctx);
}

function aadstsOf(err: unknown, last: TokenOutcome | undefined): number | undefined {
  const fromBody = last?.errorCodes?.[0];
  if (fromBody !== undefined) return fromBody;
  const e = err as { errorNo?: unknown; errorMessage?: unknown; message?: unknown };
  if (typeof e?.errorNo === 'string' && /^\d+$/.test(e.errorNo)) return Number(e.errorNo);
  if (typeof e?.errorNo === 'number') return e.errorNo;
  const text = [e?.errorMessage, e?.message].filter((s) => typeof s === 'string').join(' ');
  const m = /AADSTS(\d+)/.exec(text);
  return m ? Number(m[1]) : undefined;
}
