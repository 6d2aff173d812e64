// A CA for Temporal only, the frontend's certificate (localhost, 127.0.0.1) and one client certificate per role,
// told apart by their organizational unit as the server's claim mapper reads them (deploy/temporal-server/roles.go).
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import forge from 'node-forge';

export type TemporalRole = 'm365-workers' | 'm365-people' | 'm365-operators';

export interface CertFiles {
  cert: string;
  key: string;
}

export interface TemporalPki {
  caFile: string;
  server: CertFiles;
  client(role: TemporalRole | 'm365-strangers'): CertFiles;
  /** A client certificate with a valid role, signed by a CA the server does not trust. */
  foreign: CertFiles;
}

const keys = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

function issue(opts: { cn: string; ou?: string; publicPem: string; signerKeyPem: string; issuer?: forge.pki.Certificate; ca?: boolean; server?: boolean }): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(opts.publicPem);
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  cert.validity.notAfter = new Date(Date.now() + 30 * 86_400_000);
  const subject = [{ name: 'commonName', value: opts.cn }, ...(opts.ou ? [{ name: 'organizationalUnitName', value: opts.ou }] : [])];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.subject.attributes : subject);
  const exts: object[] = [{ name: 'basicConstraints', cA: !!opts.ca, critical: true }];
  if (opts.ca) exts.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
  else exts.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }, { name: 'extKeyUsage', serverAuth: !!opts.server, clientAuth: true });
  if (opts.server)
    exts.push({
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
      ],
    });
  cert.setExtensions(exts);
  cert.sign(forge.pki.privateKeyFromPem(opts.signerKeyPem), forge.md.sha256.create());
  return cert;
}

export function createTemporalPki(dir: string): TemporalPki {
  const write = (name: string, cert: forge.pki.Certificate, keyPem: string): CertFiles => {
    const files = { cert: path.join(dir, `${name}.pem`), key: path.join(dir, `${name}-key.pem`) };
    writeFileSync(files.cert, forge.pki.certificateToPem(cert));
    writeFileSync(files.key, keyPem, { mode: 0o600 });
    return files;
  };
  const caKeys = keys();
  const ca = issue({ cn: 'M365 Temporal test CA', publicPem: caKeys.publicKey, signerKeyPem: caKeys.privateKey, ca: true });
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, forge.pki.certificateToPem(ca));
  const serverKeys = keys();
  // Also the internode certificate the server's own system worker presents: it needs the operators' role.
  const server = write(
    'server',
    issue({ cn: 'localhost', ou: 'm365-operators', publicPem: serverKeys.publicKey, signerKeyPem: caKeys.privateKey, issuer: ca, server: true }),
    serverKeys.privateKey,
  );
  const clients = new Map<string, CertFiles>();
  const client = (role: TemporalRole | 'm365-strangers'): CertFiles => {
    let files = clients.get(role);
    if (!files) {
      const k = keys();
      files = write(role, issue({ cn: `test ${role}`, ou: role, publicPem: k.publicKey, signerKeyPem: caKeys.privateKey, issuer: ca }), k.privateKey);
      clients.set(role, files);
    }
    return files;
  };
  const otherCaKeys = keys();
  const otherCa = issue({ cn: 'Someone else CA', publicPem: otherCaKeys.publicKey, signerKeyPem: otherCaKeys.privateKey, ca: true });
  const fk = keys();
  const foreign = write(
    'foreign',
    issue({ cn: 'foreign worker', ou: 'm365-workers', publicPem: fk.publicKey, signerKeyPem: otherCaKeys.privateKey, issuer: otherCa }),
    fk.privateKey,
  );
  return { caFile, server, client, foreign };
}
