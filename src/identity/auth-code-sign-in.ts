// Browser sign-in of a person on the same public client app registration the CLI's device-code sign-in uses
// (device-code-sign-in.ts): MSAL's authorization code flow with PKCE. `begin` makes the authorize URL with a fresh
// PKCE pair, state and nonce (kept by the caller, server side); `finish` redeems the code with the verifier and
// returns the raw ID token, which the web server keeps in its session and seals per decision, as the CLI does.
import { CryptoProvider, LogLevel, PublicClientApplication } from '@azure/msal-node';
import { randomBytes } from 'node:crypto';
import type { Agent } from 'undici';
import { UndiciNetworkModule } from '../graph/msal-network';
import { createAgent } from '../graph/http';
import { SignInError } from './device-code-sign-in';

export interface AuthCodeSignInOptions {
  authorityHost: string;
  tenantId: string;
  clientId: string;
  caPem?: string;
  /** Where the authority sends the browser back (registered on the app as a redirect URI). */
  redirectUri: string;
}

/** What the caller keeps between the redirect out and the redirect back (never in the browser: the verifier is the secret). */
export interface PendingSignIn {
  state: string;
  nonce: string;
  codeVerifier: string;
  createdAt: number;
}

const SCOPES = ['openid', 'profile'];

export class AuthCodeSignIn {
  private readonly agent: Agent;
  private readonly app: PublicClientApplication;
  private readonly crypto = new CryptoProvider();

  constructor(private readonly opts: AuthCodeSignInOptions) {
    const host = opts.authorityHost.replace(/\/+$/, '');
    this.agent = createAgent(opts.caPem);
    this.app = new PublicClientApplication({
      auth: { clientId: opts.clientId, authority: `${host}/${opts.tenantId}`, knownAuthorities: [new URL(host).host] },
      system: {
        networkClient: new UndiciNetworkModule(this.agent, () => undefined),
        loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
      },
    });
  }

  /** The authorize URL to send the browser to, and what must be kept to finish. */
  async begin(): Promise<{ url: string; pending: PendingSignIn }> {
    const { verifier, challenge } = await this.crypto.generatePkceCodes();
    const pending: PendingSignIn = { state: randomBytes(24).toString('base64url'), nonce: randomBytes(24).toString('base64url'), codeVerifier: verifier, createdAt: Date.now() };
    try {
      const url = await this.app.getAuthCodeUrl({
        scopes: SCOPES,
        redirectUri: this.opts.redirectUri,
        codeChallenge: challenge,
        codeChallengeMethod: 'S256',
        state: pending.state,
        nonce: pending.nonce,
        // Every visit to the sign-in page asks who is there: a shared browser does not decide as the last person.
        prompt: 'select_account',
      });
      return { url, pending };
    } catch (err) {
      throw new SignInError(`Cannot reach the sign-in authority${codeOf(err)}: check M365_AUTHORITY_HOST and M365_CA_FILE.`, { cause: err });
    }
  }

  /** Redeems the code the browser brought back (the caller has matched `state`); the raw ID token. */
  async finish(code: string, pending: PendingSignIn): Promise<string> {
    try {
      const result = await this.app.acquireTokenByCode({ code, scopes: SCOPES, redirectUri: this.opts.redirectUri, codeVerifier: pending.codeVerifier, nonce: pending.nonce });
      if (!result?.idToken) throw new SignInError('The sign-in returned no ID token: check that the app registration allows this redirect URI.');
      return result.idToken;
    } catch (err) {
      if (err instanceof SignInError) throw err;
      throw new SignInError(`Sign-in failed${codeOf(err)}: sign in again; check that ${this.opts.redirectUri} is a redirect URI of the approval app (M365_APPROVAL_CLIENT_ID).`, {
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}

function codeOf(err: unknown): string {
  const code = (err as { errorCode?: string }).errorCode;
  return code ? ` (${code})` : '';
}
