// What one tenant's app registration authenticates with, and loading its certificate from a PEM file
// so that a wrong path, an encrypted key or a stale thumbprint fails early with what to fix.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphAuthError } from './errors';

export interface GraphCredentials {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  certificate?: { privateKeyPem: string; thumbprint: string };
  authorityHost: string;
  caPem?: string;
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

export const normalizeThumbprint = (t: string): string => t.replace(/[^0-9a-fA-F]/g, '').toUpperCase();
