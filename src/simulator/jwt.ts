// Minimal JWS (compact) signing and verification with Node's crypto: RS256 and PS256.
import { constants, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';

export const b64url = (b: Buffer | string): string => Buffer.from(b).toString('base64url');

export function signJwt(header: Record<string, unknown>, payload: Record<string, unknown>, privateKeyPem: string): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  const sig = sign('sha256', Buffer.from(input), privateKeyPem);
  return `${input}.${b64url(sig)}`;
}

export interface DecodedJwt {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signingInput: string;
  signature: Buffer;
}

export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null) return undefined;
    return {
      header: header as Record<string, unknown>,
      payload: payload as Record<string, unknown>,
      signingInput: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Verify an RS256 or PS256 signature. */
export function verifyJwt(d: DecodedJwt, key: KeyObject | string): boolean {
  const k = typeof key === 'string' ? createPublicKey(key) : key;
  const data = Buffer.from(d.signingInput);
  if (d.header.alg === 'RS256') return verify('sha256', data, k, d.signature);
  if (d.header.alg === 'PS256') {
    return verify('sha256', data, { key: k, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, d.signature);
  }
  return false;
}
