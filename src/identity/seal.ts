// Sealing: text that must cross Temporal but must not be readable in its history (an ID token, a free-text reason
// or comment) is encrypted to the worker's approval key: RSA-OAEP-256 wraps a fresh AES-256-GCM key. Anyone holding
// the public key can seal; only the workers (holding the private key) can open. History then holds ciphertext only.
import { constants, createCipheriv, createDecipheriv, createHash, createPublicKey, privateDecrypt, publicEncrypt, randomBytes, type KeyObject } from 'node:crypto';

const PREFIX = 'm365sealed.v1';
const SEALED = /^m365sealed\.v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{22})$/;

/** A sealed value cannot be opened; `problem` is a stable code, safe for history. */
export class SealError extends Error {
  override name = 'SealError';
  constructor(
    readonly problem: 'not_sealed' | 'other_key' | 'altered',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Short id of a public key (so a worker can tell "sealed for another deployment" from "damaged"). */
export function keyId(key: KeyObject | string): string {
  const pub = typeof key === 'string' ? createPublicKey(key) : key.type === 'private' ? createPublicKey(key) : key;
  return createHash('sha256')
    .update(pub.export({ format: 'der', type: 'spki' }))
    .digest('base64url')
    .slice(0, 16);
}

export const isSealed = (v: unknown): v is string => typeof v === 'string' && SEALED.test(v);

export function seal(text: string, publicKey: KeyObject | string): string {
  const pub = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
  const cek = randomBytes(32);
  const iv = randomBytes(12);
  const kid = keyId(pub);
  const cipher = createCipheriv('aes-256-gcm', cek, iv);
  // The key id and version are authenticated too: a blob cannot be relabelled.
  cipher.setAAD(Buffer.from(`${PREFIX}.${kid}`));
  const ct = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  const wrapped = publicEncrypt({ key: pub, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, cek);
  return [PREFIX, kid, wrapped.toString('base64url'), iv.toString('base64url'), ct.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

export function open(sealed: string, privateKey: KeyObject): string {
  const m = SEALED.exec(sealed);
  if (!m) throw new SealError('not_sealed', 'Not a sealed value: seal it with the tool (m365-license auth token / auth seal), never paste the raw text.');
  const [, kid, wrapped, iv, ct, tag] = m;
  if (kid !== keyId(privateKey)) throw new SealError('other_key', "Sealed for another approval key (another deployment): seal it again with this deployment's public key.");
  try {
    const cek = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, Buffer.from(wrapped!, 'base64url'));
    const d = createDecipheriv('aes-256-gcm', cek, Buffer.from(iv!, 'base64url'));
    d.setAAD(Buffer.from(`${PREFIX}.${kid}`));
    d.setAuthTag(Buffer.from(tag!, 'base64url'));
    return Buffer.concat([d.update(Buffer.from(ct!, 'base64url')), d.final()]).toString('utf8');
  } catch (cause) {
    throw new SealError('altered', 'The sealed value was altered or is damaged: seal it again.', { cause });
  }
}
