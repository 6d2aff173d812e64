// The deployment's approval key pair (see seal.ts). Workers hold the private key (M365_APPROVAL_KEY_FILE, created
// 0600 on first start if missing, with the public key beside it as <file>.pub); the CLI needs only the public key
// (M365_APPROVAL_PUBLIC_KEY_FILE, default the .pub beside the key file).
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export class ApprovalKeyError extends Error {
  override name = 'ApprovalKeyError';
}

export interface ApprovalKeyPaths {
  approvalKeyFile: string;
  approvalPublicKeyFile: string;
}

/** Loads the private key, creating the pair when the file does not exist yet (worker start-up). */
export function ensureApprovalKey(paths: ApprovalKeyPaths): KeyObject {
  const file = paths.approvalKeyFile;
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 3072 });
    // Written beside, then renamed: two workers starting at once never read a half-written key.
    const tmp = `${file}.${process.pid}-${randomBytes(8).toString('hex')}.tmp`;
    writeFileSync(tmp, privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600, flag: 'wx' });
    if (!existsSync(file)) renameSync(tmp, file);
    else rmSync(tmp, { force: true });
  }
  const key = readPrivate(file);
  if (!existsSync(paths.approvalPublicKeyFile)) writeFileSync(paths.approvalPublicKeyFile, createPublicKey(key).export({ format: 'pem', type: 'spki' }), { mode: 0o644 });
  return key;
}

export function readApprovalPrivateKey(paths: ApprovalKeyPaths): KeyObject {
  return readPrivate(paths.approvalKeyFile);
}

/** The public key the CLI seals with. */
export function readApprovalPublicKey(paths: ApprovalKeyPaths): KeyObject {
  const file = paths.approvalPublicKeyFile;
  try {
    return createPublicKey(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ApprovalKeyError(
      `Cannot read the approval public key ${file}: copy <worker's M365_APPROVAL_KEY_FILE>.pub here or set M365_APPROVAL_PUBLIC_KEY_FILE (a worker creates the pair on its first start).`,
      { cause },
    );
  }
}

function readPrivate(file: string): KeyObject {
  try {
    return createPrivateKey(readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new ApprovalKeyError(`Cannot read the approval key ${file}: check M365_APPROVAL_KEY_FILE and that this process may read it.`, { cause });
  }
}
