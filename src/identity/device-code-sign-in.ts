// Interactive sign-in of a person (requester or approver) with MSAL's device-code flow on the tenant's public client
// app registration: delegated, scopes openid + profile, so the ID token names the person (oid, preferred_username).
// MSAL's HTTP goes through undici with the configured CA, as for the app's own tokens (graph/token-provider.ts).
import { LogLevel, PublicClientApplication } from '@azure/msal-node';
import { UndiciNetworkModule } from '../graph/msal-network';
import { createAgent } from '../graph/http';

export class SignInError extends Error {
  override name = 'SignInError';
}

export interface SignInOptions {
  authorityHost: string;
  tenantId: string;
  /** The public client app registration (M365_APPROVAL_CLIENT_ID). */
  clientId: string;
  caPem?: string;
  /** Where the "open this page and enter the code" instruction goes (stderr for the CLI). */
  say: (message: string) => void;
  /** What the sign-in is for, shown with the code ("approve reclaim-… : remove … for user …"). */
  purpose: string;
  /** Give up after this many seconds (default: the device code's own lifetime). */
  timeoutSeconds?: number;
}

/** Runs the device-code flow and returns the raw ID token (the caller seals it before it goes anywhere). */
export async function signInWithDeviceCode(opts: SignInOptions): Promise<string> {
  const host = opts.authorityHost.replace(/\/+$/, '');
  const agent = createAgent(opts.caPem);
  try {
    const app = new PublicClientApplication({
      auth: {
        clientId: opts.clientId,
        authority: `${host}/${opts.tenantId}`,
        // The metadata is read from the authority itself (Entra serves it too), so the simulator works the same way.
        knownAuthorities: [new URL(host).host],
      },
      system: {
        networkClient: new UndiciNetworkModule(agent, () => undefined),
        loggerOptions: { piiLoggingEnabled: false, logLevel: LogLevel.Error, loggerCallback: () => undefined },
      },
    });
    const result = await app.acquireTokenByDeviceCode({
      scopes: ['openid', 'profile'],
      // The code alone does not say what it unlocks: the decision is printed with it, so a person who was handed
      // someone else's prompt can see what they would be signing for.
      deviceCodeCallback: (r) => opts.say(`This sign-in is to ${opts.purpose}.\n${r.message}\nSign in only if that is what you mean to do.`),
      ...(opts.timeoutSeconds ? { timeout: opts.timeoutSeconds } : {}),
    });
    if (!result?.idToken)
      throw new SignInError('The sign-in returned no ID token: check that the app registration allows public client flows (Authentication → Allow public client flows).');
    return result.idToken;
  } catch (err) {
    if (err instanceof SignInError) throw err;
    const code = (err as { errorCode?: string }).errorCode;
    throw new SignInError(
      `Sign-in failed${code ? ` (${code})` : ''}: check M365_APPROVAL_CLIENT_ID (a public client app registration with "Allow public client flows" on) and the tenant.`,
      { cause: err },
    );
  } finally {
    await agent.close();
  }
}
