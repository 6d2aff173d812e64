// Verifies an Entra ID token (v2.0) as proof of who approves or requests: RS256 signature against the keys the tenant
// publishes (JWKS named by its OpenID metadata, fetched over TLS that trusts the configured CA explicitly), issuer,
// tenant, audience (our public client app), expiry, not-before, freshness (iat), and the nonce when one is expected.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { request, type Agent } from 'undici';
import { createAgent } from '../graph/http';

export interface IdTokenIdentity {
  /** The person's object id (`oid`): what every identity comparison uses. */
  objectId: string;
  /** `preferred_username` (the UPN): for the audit table only, never for Temporal history. */
  upn: string;
  tenantId: string;
  /** `iat`, seconds since the epoch. */
  issuedAt: number;
  /** The token's unique id (`uti`), to refuse a token used twice. */
  tokenId?: string;
}

export type IdTokenProblem =
  'malformed' | 'algorithm' | 'unknown_key' | 'signature' | 'issuer' | 'tenant' | 'audience' | 'expired' | 'not_yet_valid' | 'stale' | 'nonce' | 'claims' | 'keys_unavailable';

/** The token is not acceptable proof; `problem` says which check failed (a stable code, safe for history). */
export class IdTokenError extends Error {
  override name = 'IdTokenError';
  constructor(
    readonly problem: IdTokenProblem,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface IdTokenVerifierOptions {
  /** e.g. https://login.microsoftonline.com (or the simulator's authority host). */
  authorityHost: string;
  tenantId: string;
  /** The public client app registration the token must be issued to (its `aud`). */
  clientId: string;
  /** Extra CA for the authority host (the simulator's); verification is never turned off. */
  caPem?: string;
  /** How old (`iat`) a token may be; default 10 minutes: a sign-in made for this decision, not one lying around. */
  maxAgeSeconds?: number;
  /** Tolerated clock difference; default 5 minutes. */
  clockSkewSeconds?: number;
  /** Test seam for the clock, in seconds. */
  now?: () => number;
}

interface Jwk {
  kid?: string;
  kty?: string;
  use?: string;
  n?: string;
  e?: string;
}

const KEYS_TTL_MS = 60 * 60 * 1000;
const REFRESH_MIN_INTERVAL_MS = 60 * 1000;

export class IdTokenVerifier {
  private readonly agent: Agent;
  private keys = new Map<string, KeyObject>();
  private issuer = '';
  private fetchedAt = 0;
  private readonly host: string;

  constructor(private readonly opts: IdTokenVerifierOptions) {
    this.agent = createAgent(opts.caPem);
    this.host = opts.authorityHost.replace(/\/+$/, '');
  }

  async close(): Promise<void> {
    await this.agent.close();
  }

  /**
   * The identity the token proves; throws IdTokenError naming the failed check. `issuedWithin` (seconds since the
   * epoch) replaces the expiry and freshness checks, for a sign-in checked again long after it was presented.
   */
  async verify(token: string, expect: { nonce?: string; issuedWithin?: { from: number; to: number } } = {}): Promise<IdTokenIdentity> {
    const parts = token.split('.');
    if (parts.length !== 3) throw new IdTokenError('malformed', 'Not a JWT (three dot-separated parts expected).');
    let header: Record<string, unknown>;
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch (cause) {
      throw new IdTokenError('malformed', 'The token header or claims are not JSON.', { cause });
    }
    if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null)
      throw new IdTokenError('malformed', 'The token header or claims are not JSON objects.');
    // Only RS256: never `none`, never an HMAC that would take the public key as a shared secret.
    if (header.alg !== 'RS256') throw new IdTokenError('algorithm', `Unsupported token algorithm ${String(header.alg)}: only RS256 is accepted.`);
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    if (!kid) throw new IdTokenError('unknown_key', 'The token names no signing key (kid).');
    const key = await this.key(kid);
    const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2]!, 'base64url'));
    if (!ok) throw new IdTokenError('signature', "The token signature does not verify against the tenant's published keys.");

    const now = this.opts.now?.() ?? Math.floor(Date.now() / 1000);
    const skew = this.opts.clockSkewSeconds ?? 300;
    const maxAge = this.opts.maxAgeSeconds ?? 600;
    if (claims.iss !== this.issuer) throw new IdTokenError('issuer', 'The token was issued by another authority or tenant.');
    if (claims.tid !== this.opts.tenantId) throw new IdTokenError('tenant', 'The token belongs to another tenant.');
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(this.opts.clientId))
      throw new IdTokenError('audience', "The token was issued to another application, not this tool's approval app (M365_APPROVAL_CLIENT_ID).");
    const within = expect.issuedWithin;
    if (within) {
      if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp <= claims.iat) throw new IdTokenError('claims', 'The token carries no valid iat and exp.');
      if (claims.iat < within.from || claims.iat > within.to) throw new IdTokenError('stale', 'The sign-in was not made for this workflow run (issued outside its window).');
    } else {
      if (typeof claims.exp !== 'number' || claims.exp + skew <= now) throw new IdTokenError('expired', 'The token has expired: sign in again (m365-license auth token).');
      if (typeof claims.nbf === 'number' && claims.nbf - skew > now) throw new IdTokenError('not_yet_valid', 'The token is not valid yet: check the clock.');
      if (typeof claims.iat !== 'number' || claims.iat + maxAge < now || claims.iat - skew > now) {
        throw new IdTokenError('stale', `The sign-in is older than ${Math.round(maxAge / 60)} minutes: sign in again right before deciding (m365-license auth token).`);
      }
    }
    if (expect.nonce !== undefined && claims.nonce !== expect.nonce) throw new IdTokenError('nonce', "The token's nonce does not match this request.");
    if (claims.nonce !== undefined && expect.nonce === undefined && typeof claims.nonce !== 'string') throw new IdTokenError('claims', 'The token carries a malformed nonce.');
    const oid = claims.oid;
    const upn = claims.preferred_username;
    if (typeof oid !== 'string' || !/^[0-9a-f-]{36}$/i.test(oid)) throw new IdTokenError('claims', 'The token carries no object id (oid): request the profile scope.');
    if (typeof upn !== 'string' || upn === '') throw new IdTokenError('claims', 'The token carries no preferred_username: request the profile scope.');
    return { objectId: oid.toLowerCase(), upn, tenantId: this.opts.tenantId, issuedAt: claims.iat, ...(typeof claims.uti === 'string' ? { tokenId: claims.uti } : {}) };
  }

  /** The signing key by id; the metadata and keys are fetched again when stale, or once a minute for an unknown kid. */
  private async key(kid: string): Promise<KeyObject> {
    const age = Date.now() - this.fetchedAt;
    if (age > KEYS_TTL_MS || (!this.keys.has(kid) && age > REFRESH_MIN_INTERVAL_MS)) await this.refresh();
    const k = this.keys.get(kid);
    if (!k) throw new IdTokenError('unknown_key', 'The token was signed with a key the tenant does not publish.');
    return k;
  }

  private async refresh(): Promise<void> {
    const metadataUrl = `${this.host}/${this.opts.tenantId}/v2.0/.well-known/openid-configuration`;
    try {
      const meta = await this.getJson<{ issuer?: string; jwks_uri?: string }>(metadataUrl);
      if (!meta.issuer || !meta.jwks_uri) throw new Error('the OpenID metadata names no issuer or jwks_uri');
      // The common-endpoint metadata says {tenantid}; the tenant's own says its id. Either way we expect ours.
      const issuer = meta.issuer.replace('{tenantid}', this.opts.tenantId);
      if (issuer !== `${this.host}/${this.opts.tenantId}/v2.0`) throw new Error('the OpenID metadata names an issuer outside this tenant');
      const jwks = await this.getJson<{ keys?: Jwk[] }>(meta.jwks_uri);
      const keys = new Map<string, KeyObject>();
      for (const k of jwks.keys ?? []) {
        if (k.kty !== 'RSA' || !k.kid || !k.n || !k.e || (k.use && k.use !== 'sig')) continue;
        keys.set(k.kid, createPublicKey({ key: { kty: 'RSA', n: k.n, e: k.e }, format: 'jwk' }));
      }
      this.keys = keys;
      this.issuer = issuer;
      this.fetchedAt = Date.now();
    } catch (cause) {
      throw new IdTokenError('keys_unavailable', `Cannot read the tenant's signing keys from ${metadataUrl}: check M365_AUTHORITY_HOST and M365_CA_FILE.`, { cause });
    }
  }

  private async getJson<T>(url: string): Promise<T> {
    const res = await request(url, { dispatcher: this.agent, headersTimeout: 15_000, bodyTimeout: 15_000 });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode} from ${url}`);
    return JSON.parse(text) as T;
  }
}
