// The link in the mail that tells a user their licences are about to go: "I still need it". The token is sealed
// (AES-256-GCM, which authenticates as well as hides) with a key derived from the workers' approval key, so only a
// worker can mint one and nobody can alter or read it: it names the reclamation run it answers, the removal date
// it expires at, and a random id that makes it single-use (the answer page claims that id once). Nothing personal
// sits in the link itself, and the answer page holds only this derived key, never the workers' private key.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, type KeyObject } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface NoticeClaims {
  v: 1;
  tenantId: string;
  workflowId: string;
  runId: string;
  /** SKU ids that go (ids only; the page shows product names it is given in the token as display text). */
  skus: string[];
  /** Product names as shown in the mail, for the answer page (not personal data). */
  products: string[];
  /** The removal date (YYYY-MM-DD, UTC), as the mail says it. */
  removalDate: string;
  /** Unix seconds after which the link is refused. */
  exp: number;
  /** Random id: the answer page accepts each link once. */
  nonce: string;
}

/** Where the answer page lives under `serve`'s base URL (M365_INBOX_URL); the token follows. */
export const USER_RESPONSE_PREFIX = '/respond/';

export class NoticeTokenError extends Error {
  override name = 'NoticeTokenError';
  constructor(readonly problem: 'malformed' | 'invalid' | 'expired') {
    super(`notice link ${problem}`);
  }
}

const PREFIX = 'm365notice.v1.';
const TOKEN = /^m365notice\.v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,4000})$/;

/** The key notice links are sealed with, derived from the workers' approval private key (one purpose, one key). */
export const noticeKeyFrom = (approvalKey: KeyObject): Buffer =>
  Buffer.from(hkdfSync('sha256', approvalKey.export({ format: 'der', type: 'pkcs8' }), Buffer.alloc(0), 'm365-license user notice v1', 32));

export function sealNoticeToken(claims: Omit<NoticeClaims, 'v' | 'nonce'>, key: Buffer): { token: string; nonce: string } {
  const nonce = randomBytes(16).toString('base64url');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(PREFIX));
  const body = Buffer.concat([cipher.update(JSON.stringify({ v: 1, ...claims, nonce })), cipher.final(), cipher.getAuthTag()]);
  return { token: `${PREFIX}${iv.toString('base64url')}.${body.toString('base64url')}`, nonce };
}

/** The claims of a genuine token; `nowSeconds` given: refused after `exp`. */
export function openNoticeToken(token: unknown, key: Buffer, nowSeconds?: number): NoticeClaims {
  const m = typeof token === 'string' ? TOKEN.exec(token) : null;
  if (!m) throw new NoticeTokenError('malformed');
  let claims: NoticeClaims;
  try {
    const body = Buffer.from(m[2]!, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(m[1]!, 'base64url'));
    decipher.setAAD(Buffer.from(PREFIX));
    decipher.setAuthTag(body.subarray(body.length - 16));
    claims = JSON.parse(Buffer.concat([decipher.update(body.subarray(0, body.length - 16)), decipher.final()]).toString('utf8')) as NoticeClaims;
  } catch {
    throw new NoticeTokenError('invalid');
  }
  if (claims.v !== 1 || typeof claims.workflowId !== 'string' || typeof claims.nonce !== 'string') throw new NoticeTokenError('invalid');
  if (nowSeconds !== undefined && nowSeconds > claims.exp) throw new NoticeTokenError('expired');
  return claims;
}

/** Where the workers leave the derived key for the answer page (`serve`): beside the approval key, mode 0600. */
export const noticeKeyFile = (approvalKeyFile: string): string => path.join(path.dirname(approvalKeyFile), 'notice-key');

/** Writes the derived key for the answer page once (the workers call it at start). */
export function ensureNoticeKeyFile(approvalKeyFile: string, approvalKey: KeyObject): string {
  const file = noticeKeyFile(approvalKeyFile);
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${noticeKeyFrom(approvalKey).toString('base64')}\n`, { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return file;
}

export function readNoticeKeyFile(file: string): Buffer {
  const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`${file} is not a notice key (32 bytes, base64): copy it from the workers' key directory`);
  return key;
}
