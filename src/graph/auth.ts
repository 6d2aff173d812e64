// App-only tokens for Microsoft Graph through MSAL (client secret or certificate), with MSAL's HTTP going
// through undici so the simulator's CA can be trusted explicitly; AADSTS failures become typed errors.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  ConfidentialClientApplication,
  LogLevel,
  type Configuration,
  type INetworkModule,
  type NetworkRequestOptions,
  type NetworkResponse,
} from '@azure/msal-node';
import { request, type Agent } from 'undici';
import type { AppConfig } from '../config';
import { GraphAuthError, GraphPermissionError, GraphThrottledError, GraphTlsError, GraphTransientError } from './errors';
import { classifyNetworkError, createAgent, header, parseRetryAfter } from './http';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

export interface GraphCredentials {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: { privateKeyPem: string; thumbprint: string };
  authorityHost: string;
  caPem?: string;
}

export interface AuthLogger {
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** Reads the certificate key and CA files named in the configuration; fails with what to fix. */
export function credentialsFromConfig(config: AppConfig): GraphCredentials {
  const missing = [
    !config.tenantId && 'M365_TENANT_ID',
    !config.clientId && 'M365_CLIENT_ID',
    !config.clientSecret && !config.clientCertPath && 'M365_CLIENT_SECRET or M365_CLIENT_CERT_PATH',
  ].filter((v): v is string => Boolean(v));
  if (missing.length) throw new GraphAuthError(`Graph credentials are incomplete: set ${missing.join(', ')}.`);
  const creds: GraphCredentials = {
    tenantId: config.tenantId as string,
    clientId: config.clientId as string,
    authorityHost: config.authorityHost,
  };
  if (config.clientSecret) creds.clientSecret = config.clientSecret;
  if (config.clientCertPath) {
    creds.certificate = loadCertificate(config.clientCertPath, config.clientCertThumbprint ?? '');
  }
  if (config.caFile) {
    try {
      creds.caPem = readFileSync(config.caFile, 'utf8');
    } catch (cause) {
      throw new GraphTlsError(`Cannot read the CA file M365_CA_FILE=${config.caFile}: check the path and its permissions.`, { cause });
    }
  }
  return creds;
}

/**
 * Loads a PEM file holding the private key (and usually the certificate). When the certificate is there,
 * the configured thumbprint must be its SHA-1 or SHA-256 thumbprint, which catches a stale thumbprint early.
 */
export function loadCertificate(file: string, thumbprint: string): { privateKeyPem: string; thumbprint: string } {
  let pem: string;
  try {
    pem = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new GraphAuthError(`Cannot read the certificate file M365_CLIENT_CERT_PATH=${file}: check the path and its permissions.`, { cause });
  }
  const keyBlock = /-----BEGIN (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA |EC |ENCRYPTED )?PRIVATE KEY-----/.exec(pem)?.[0];
  if (!keyBlock) {
    throw new GraphAuthError(`The certificate file ${file} holds no PEM private key: give a PEM file with the private key (and certificate), not a .cer or .pfx.`);
  }
  if (keyBlock.includes('ENCRYPTED')) {
    throw new GraphAuthError(`The private key in ${file} is encrypted: export it without a passphrase (e.g. openssl pkcs8 -nocrypt) and protect the file instead.`);
  }
  let privateKeyPem: string;
  try {
    // MSAL expects PKCS#8 ("BEGIN PRIVATE KEY"); accept PKCS#1 by converting.
    privateKeyPem = createPrivateKey(keyBlock).export({ type: 'pkcs8', format: 'pem' }).toString();
  } catch (cause) {
    throw new GraphAuthError(`The private key in ${file} cannot be read: give an unencrypted PEM RSA key.`, { cause });
  }
  const normalized = normalizeThumbprint(thumbprint);
  const certBlock = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(pem)?.[0];
  if (certBlock) {
    const cert = new X509Certificate(certBlock);
    const sha1 = normalizeThumbprint(cert.fingerprint);
    const sha256 = normalizeThumbprint(cert.fingerprint256);
    if (!normalized) return { privateKeyPem, thumbprint: sha1 };
    if (normalized !== sha1 && normalized !== sha256) {
      throw new GraphAuthError(
        `M365_CLIENT_CERT_THUMBPRINT does not match the certificate in ${file} (its SHA-1 thumbprint is ${sha1}): ` +
          'copy the thumbprint shown for this certificate under App registrations → <app> → Certificates & secrets.',
      );
    }
  } else if (!normalized) {
    throw new GraphAuthError('M365_CLIENT_CERT_THUMBPRINT is required when the certificate file holds only the private key.');
  }
  return { privateKeyPem, thumbprint: normalized };
}

const normalizeThumbprint = (t: string): string => t.replace(/[^0-9a-fA-F]/g, '').toUpperCase();

/** Authority hosts whose metadata MSAL knows; any other host (the simulator) must be a known authority. */
const MICROSOFT_AUTHORITY_HOSTS = new Set([
  'login.microsoftonline.com',
  'login.microsoft.com',
  'login.windows.net',
  'sts.windows.net',
  'login.microsoftonline.us',
  'login.usgovcloudapi.net',
  'login.chinacloudapi.cn',
  'login.partner.microsoftonline.cn',
]);

interface TokenOutcome {
  status?: number;
  errorCodes?: number[];
  error?: string;
  traceId?: string;
  retryAfterMs?: number;
  networkError?: unknown;
}

/** Marks a token-endpoint response that MSAL must not see (429/5xx), so MSAL does not cache a throttle. */
class TokenEndpointUnavailable extends Error {
  override name = 'TokenEndpointUnavailable';
}

/**
 * MSAL's INetworkModule on undici, so the authority host is verified against the configured CA.
 * It records the outcome of each call so that MSAL's generic errors can be classified precisely.
 */
export class UndiciNetworkModule implements INetworkModule {
  constructor(
    private readonly agent: Agent,
    private readonly onOutcome: (o: TokenOutcome) => void,
    private readonly timeoutMs = 30_000,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const ms = timeout ?? this.timeoutMs;
    let res: Awaited<ReturnType<typeof request>>;
    let text: string;
    try {
      res = await request(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        dispatcher: this.agent,
        headersTimeout: ms,
        bodyTimeout: ms,
      });
      text = await res.body.text();
    } catch (networkError) {
      this.onOutcome({ networkError });
      throw networkError;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {
        error: res.statusCode >= 500 ? 'server_error' : 'client_error',
        error_description: `The authority answered HTTP ${res.statusCode} with a body that is not JSON.`,
      };
    }
    const outcome: TokenOutcome = {
      status: res.statusCode,
      error: typeof body.error === 'string' ? body.error : undefined,
      errorCodes: Array.isArray(body.error_codes) ? body.error_codes.filter((c): c is number => typeof c === 'number') : undefined,
      traceId: typeof body.trace_id === 'string' ? body.trace_id : header(res.headers, 'x-ms-request-id'),
      retryAfterMs: parseRetryAfter(res.headers['retry-after']),
    };
    this.onOutcome(outcome);
    if (res.statusCode === 429 || res.statusCode >= 500) {
      throw new TokenEndpointUnavailable(`The authority answered HTTP ${res.statusCode}.`);
    }
    return { headers, body: body as T, status: res.statusCode };
  }
}

/** What to tell the admin for each AADSTS code we know. */
const AADSTS_ADVICE: Record<number, string> = {
  7000215:
    'Invalid client secret (AADSTS7000215). Set M365_CLIENT_SECRET to the secret\'s Value, not its Secret ID: ' +
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
  700024: 'The client assertion is outside its valid time range (AADSTS700024). Check the worker\'s clock (NTP).',
  70011: 'Invalid scope (AADSTS70011). The app must request https://graph.microsoft.com/.default.',
  900144: 'The token request is missing a parameter (AADSTS900144). Check M365_CLIENT_ID and the credential settings.',
  90055: 'The tenant is being throttled by the identity platform (AADSTS90055).',
  50034: 'The account or app does not exist in the tenant (AADSTS50034). Check M365_TENANT_ID and M365_CLIENT_ID.',
};

const THROTTLING_AADSTS = new Set([90055, 50196]);

export interface TokenProviderOptions {
  logger?: AuthLogger;
  /** Per-request timeout to the authority. */
  timeoutMs?: number;
}

/** One per tenant and process: MSAL keeps the token in memory and renews it 5 minutes before expiry. */
export class TokenProvider {
  readonly tenantId: string;
  readonly clientId: string;
  private readonly app: ConfidentialClientApplication;
  private readonly agent: Agent;
  private readonly logger?: AuthLogger;
  private inflight?: Promise<string>;
  private outcomes: TokenOutcome[] = [];

  constructor(creds: GraphCredentials, opts: TokenProviderOptions = {}) {
    this.tenantId = creds.tenantId;
    this.clientId = creds.clientId;
    this.logger = opts.logger;
    if (!creds.clientSecret && !creds.certificate) {
      throw new GraphAuthError('No credential: set M365_CLIENT_SECRET or M365_CLIENT_CERT_PATH (+ M365_CLIENT_CERT_THUMBPRINT).');
    }
    const host = creds.authorityHost.replace(/\/+$/, '');
    const authorityUrl = new URL(host);
    this.agent = createAgent(creds.caPem);
    const thumb = creds.certificate ? normalizeThumbprint(creds.certificate.thumbprint) : '';
    const config: Configuration = {
      auth: {
        clientId: creds.clientId,
        authority: `${host}/${creds.tenantId}`,
        ...(creds.clientSecret
          ? { clientSecret: creds.clientSecret }
          : {
              clientCertificate: {
                privateKey: creds.certificate?.privateKeyPem ?? '',
                ...(thumb.length === 64 ? { thumbprintSha256: thumb } : { thumbprint: thumb }),
              },
            }),
        knownAuthorities: MICROSOFT_AUTHORITY_HOSTS.has(authorityUrl.hostname) ? [] : [authorityUrl.host],
      },
      system: {
        networkClient: new UndiciNetworkModule(this.agent, (o) => this.outcomes.push(o), opts.timeoutMs),
        loggerOptions: {
          piiLoggingEnabled: false,
          logLevel: LogLevel.Error,
          loggerCallback: (_level, message, containsPii) => {
            if (!containsPii) this.logger?.warn({ tenantId: this.tenantId }, `msal: ${message}`);
          },
        },
      },
    };
    this.app = new ConfidentialClientApplication(config);
  }

  /** An access token for Graph; served from MSAL's cache while valid. Concurrent callers share one request. */
  getToken(opts: { forceRefresh?: boolean } = {}): Promise<string> {
    if (this.inflight) return this.inflight;
    const p = this.acquire(Boolean(opts.forceRefresh)).finally(() => {
      if (this.inflight === p) this.inflight = undefined;
    });
    this.inflight = p;
    return p;
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  private async acquire(forceRefresh: boolean): Promise<string> {
    this.outcomes = [];
    try {
      const result = await this.app.acquireTokenByClientCredential({ scopes: [GRAPH_SCOPE], skipCache: forceRefresh });
      if (!result?.accessToken) throw new GraphTransientError('The authority returned no access token; retry later.');
      return result.accessToken;
    } catch (err) {
      const mapped = this.classify(err);
      this.logger?.warn({ tenantId: this.tenantId, clientId: this.clientId, error: mapped.name, aadsts: (mapped as GraphAuthError).aadsts, requestId: mapped.requestId }, 'token request failed');
      throw mapped;
    }
  }

  private classify(err: unknown): GraphAuthError | GraphTransientError | GraphThrottledError | GraphTlsError {
    if (err instanceof GraphAuthError || err instanceof GraphTransientError || err instanceof GraphThrottledError || err instanceof GraphTlsError) return err;
    const last = this.outcomes[this.outcomes.length - 1];
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
      return new GraphAuthError(advice.replace('<app>', `the app ${this.clientId}`), { ...ctx, aadsts });
    }
    const code = (err as { errorCode?: unknown })?.errorCode;
    if (last?.status !== undefined && last.status >= 400) {
      return new GraphAuthError(`The token request failed with HTTP ${last.status}${typeof code === 'string' ? ` (${code})` : ''}; check M365_TENANT_ID, M365_CLIENT_ID and the credential.`, ctx);
    }
    // MSAL configuration errors (bad authority URL, unreadable key) cannot succeed on retry.
    const msg = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return new GraphAuthError(`MSAL could not request a token: ${msg}. Check M365_AUTHORITY_HOST, M365_TENANT_ID and the credential settings.`, ctx);
  }
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

export interface Preflight {
  roles: string[];
  canReadReportSettings: boolean;
  canWriteReportSettings: boolean;
  canReclaim: boolean;
}

const anyOf = (roles: Set<string>, names: string[]): boolean => names.some((n) => roles.has(n));

/**
 * Checks the token's application permissions before any extract. Throws GraphPermissionError naming every
 * missing permission and the steps to grant it.
 */
export async function preflight(tokens: TokenProvider, opts: { needReclaim: boolean }): Promise<Preflight> {
  const roles = decodeRoles(await tokens.getToken());
  const has = new Set(roles);
  const users = anyOf(has, ['User.Read.All', 'User.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']);
  const skus = anyOf(has, ['Organization.Read.All', 'Organization.ReadWrite.All', 'Directory.Read.All', 'Directory.ReadWrite.All']);
  const reports = has.has('Reports.Read.All');
  const canReclaim = anyOf(has, ['LicenseAssignment.ReadWrite.All', 'User.ReadWrite.All', 'Directory.ReadWrite.All']);

  const missing: string[] = [];
  const why: string[] = [];
  if (!users && !skus) {
    missing.push('Directory.Read.All');
    why.push('Directory.Read.All (or User.Read.All plus Organization.Read.All) to read users and subscribed SKUs');
  } else if (!users) {
    missing.push('User.Read.All');
    why.push('User.Read.All (or Directory.Read.All) to read users');
  } else if (!skus) {
    missing.push('Organization.Read.All');
    why.push('Organization.Read.All (or Directory.Read.All) to read subscribed SKUs');
  }
  if (!reports) {
    missing.push('Reports.Read.All');
    why.push('Reports.Read.All to read Microsoft 365 usage reports');
  }
  if (opts.needReclaim && !canReclaim) {
    missing.push('LicenseAssignment.ReadWrite.All');
    why.push('LicenseAssignment.ReadWrite.All (or User.ReadWrite.All) to remove licenses, because reclamation is enabled (M365_RECLAIM_ENABLED)');
  }
  if (missing.length) {
    throw new GraphPermissionError(permissionMessage(tokens.clientId, why, missing, roles.length === 0), { missing });
  }
  return {
    roles,
    canReadReportSettings: anyOf(has, ['ReportSettings.Read.All', 'ReportSettings.ReadWrite.All']),
    canWriteReportSettings: has.has('ReportSettings.ReadWrite.All'),
    canReclaim,
  };
}

export function permissionMessage(clientId: string, why: string[], missing: string[], noRolesAtAll = false): string {
  const intro = noRolesAtAll
    ? `The app ${clientId} holds no Microsoft Graph application permissions (admin consent was never granted). It needs: `
    : `The app ${clientId} is missing Microsoft Graph application permissions: `;
  return (
    intro +
    why.join('; ') +
    `. Fix: Entra admin center → App registrations → ${clientId} → API permissions → Add a permission → Microsoft Graph → ` +
    `Application permissions → ${missing.join(', ')} → Add permissions → Grant admin consent for the tenant. Then run again.`
  );
}
