// Everything a handler needs: identities, keys, URLs and the mutable state.
import type { KeyObject } from 'node:crypto';
import type { AuthorizeStore } from './authorize';
import type { DeviceCodeEntry } from './delegated';
import type { Pki } from './tls';
import type { SimulatorState } from './state';

export interface SimContext {
  state: SimulatorState;
  pki: Pki;
  tenantId: string;
  tenantDomain: string;
  clientId: string;
  clientSecret: string;
  clientSecretId: string;
  /** The public client app registration admins sign in with (device code, delegated). */
  publicClientId: string;
  /** Service principal object id of the app in the tenant (the `oid` of app tokens). */
  servicePrincipalId: string;
  authorityHost: string;
  graphUrl: string;
  reportsHost: string;
  signingKey: KeyObject;
  signingKid: string;
  clientCertKey: KeyObject;
  /** Verified access tokens -> claims (bounded). */
  tokenCache: Map<string, Record<string, unknown>>;
  downloads: Map<string, DownloadLink>;
  deviceCodes: Map<string, DeviceCodeEntry>;
  /** Browser sign-ins (authorization code with PKCE) waiting on their page, and codes not yet redeemed. */
  authorize: AuthorizeStore;
}

export interface DownloadLink {
  report: ReportName;
  /** Number of days the report covers (7, 30, 90, 180; 1 for a date= report). */
  days: number;
  refreshDay: number;
  concealed: boolean;
  expiresAt: number;
}

export type ReportName = 'getOffice365ActiveUserDetail' | 'getEmailActivityUserDetail';
