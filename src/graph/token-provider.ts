// App-only tokens for Microsoft Graph through MSAL (client secret or certificate), one provider per tenant
// and process so MSAL's in-memory cache is reused; failures become typed errors, MSAL warnings go to the logger.
import { ConfidentialClientApplication, LogLevel, type Configuration } from '@azure/msal-node';
import type { Agent } from 'undici';
import type { Logger } from '../logger';
import { classifyTokenFailure } from './aadsts';
import { normalizeThumbprint, type GraphCredentials } from './credentials';
import { GraphAuthError, GraphTransientError } from './errors';
import { createAgent } from './http';
import { UndiciNetworkModule, type TokenOutcome } from './msal-network';

export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

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

export interface TokenProviderOptions {
  /** Token failures and MSAL's own warnings (never PII: MSAL's PII logging stays off). */
  logger?: Logger;
  /** Per-request timeout to the authority. */
  timeoutMs?: number;
}

/** MSAL's log lines at warning and above, minus any MSAL marks as holding personal data. */
export function msalLogging(log: Logger | undefined): NonNullable<NonNullable<Configuration['system']>['loggerOptions']> {
  return {
    piiLoggingEnabled: false,
    logLevel: LogLevel.Warning,
    loggerCallback: (level, message, containsPii) => {
      if (containsPii || !log) return;
      if (level === LogLevel.Error) log.error({ msalLevel: 'error' }, `msal: ${message}`);
      else if (level === LogLevel.Warning) log.warn({ msalLevel: 'warning' }, `msal: ${message}`);
      else log.debug({ msalLevel: LogLevel[level] }, `msal: ${message}`);
    },
  };
}

/** One per tenant and process: MSAL keeps the token in memory and renews it 5 minutes before expiry. */
export class TokenProvider {
  readonly tenantId: string;
  readonly clientId: string;
  private readonly app: ConfidentialClientApplication;
  private readonly agent: Agent;
  private readonly log?: Logger;
  private inflight?: Promise<string>;
  private outcomes: TokenOutcome[] = [];

  constructor(creds: GraphCredentials, opts: TokenProviderOptions = {}) {
    this.tenantId = creds.tenantId;
    this.clientId = creds.clientId;
    this.log = opts.logger?.child({ component: 'graph-token', tenantId: creds.tenantId });
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
        loggerOptions: msalLogging(this.log),
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
      this.log?.debug({ forceRefresh, fromCache: result.fromCache }, 'graph token acquired');
      return result.accessToken;
    } catch (err) {
      const mapped = classifyTokenFailure(err, this.outcomes[this.outcomes.length - 1], this.clientId);
      const aadsts = mapped instanceof GraphAuthError ? mapped.aadsts : undefined;
      this.log?.warn({ clientId: this.clientId, error: mapped.name, status: mapped.status, aadsts, requestId: mapped.requestId }, 'graph token request failed');
      throw mapped;
    }
  }
}
