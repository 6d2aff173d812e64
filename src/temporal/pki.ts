// A certificate authority for Temporal only, the server's certificate and one client certificate per role, told apart
// by their organizational unit as the server's claim mapper reads them (deploy/temporal-server/roles.go). Made by
// `m365-license temporal-certs` for docker-compose.yml, by the drill, and by the tests that run the real server.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import forge from 'node-forge';

/** The units roles.go maps to its three roles. */
export const TEMPORAL_ROLES = ['m365-workers', 'm365-people', 'm365-operators'] as const;
export type TemporalRole = (typeof TEMPORAL_ROLES)[number];

/** Names the server's certificate answers to: the compose service, and this host for the drill and tests. */
export const DEFAULT_SERVER_NAMES = ['temporal', 'localhost', '127.0.0.1'];

/** The files of a PKI directory: what docker-compose.yml's secrets and the drill read. */
export const PKI_FILES = {
  ca: 'ca.pem',
  caKey: 'ca-key.pem',
  serverCert: 'server.pem',
  serverKey: 'server-key.pem',
  clientCert: (name: string) => `${name}.pem`,
  clientKey: (name: string) => `${name}-key.pem`,
} as const;

export interface CertFiles {
  cert: string;
  key: string;
}

export interface TemporalPki {
  dir: string;
  caFile: string;
  server: CertFiles;
  clients: Record<TemporalRole, CertFiles>;
}

interface Signer {
  cert: forge.pki.Certificate;
  keyPem: string;
}

const newKeys = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });

export interface IssueOptions {
  cn: string;
  ou?: string;
  publicPem: string;
  /** Absent: self-signed with `selfKeyPem`. */
  signer?: Signer;
  selfKeyPem?: string;
  ca?: boolean;
  /** DNS names and IP addresses of a server certificate. */
  serverNames?: string[];
  days: number;
}

export function issueCertificate(opts: IssueOptions): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(opts.publicPem);
  // Positive (leading 01) and random: two certificates of one CA never share a serial.
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 3_600_000);
  const wanted = new Date(Date.now() + opts.days * 86_400_000);
  // A certificate is worth nothing past its CA's end, so it does not claim to be.
  cert.validity.notAfter = opts.signer && opts.signer.cert.validity.notAfter < wanted ? opts.signer.cert.validity.notAfter : wanted;
  const subject = [{ name: 'commonName', value: opts.cn }, ...(opts.ou ? [{ name: 'organizationalUnitName', value: opts.ou }] : [])];
  cert.setSubject(subject);
  cert.setIssuer(opts.signer ? opts.signer.cert.subject.attributes : subject);
  const server = !!opts.serverNames?.length;
  const exts: object[] = [{ name: 'basicConstraints', cA: !!opts.ca, critical: true }];
  if (opts.ca) exts.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true });
  // The server's certificate is also its client certificate between its own services.
  else exts.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true }, { name: 'extKeyUsage', serverAuth: server, clientAuth: true });
  if (server) exts.push({ name: 'subjectAltName', altNames: opts.serverNames!.map((n) => (net.isIP(n) ? { type: 7, ip: n } : { type: 2, value: n })) });
  cert.setExtensions(exts);
  cert.sign(forge.pki.privateKeyFromPem(opts.signer?.keyPem ?? opts.selfKeyPem!), forge.md.sha256.create());
  return cert;
}

/** Writes a certificate (readable) and its key (owner only); the process umask does not decide either mode. */
function writePair(dir: string, names: { cert: string; key: string }, cert: forge.pki.Certificate, keyPem: string): CertFiles {
  const files = { cert: path.join(dir, names.cert), key: path.join(dir, names.key) };
  writeFileSync(files.key, keyPem, { mode: 0o600 });
  chmodSync(files.key, 0o600);
  writeFileSync(files.cert, forge.pki.certificateToPem(cert));
  chmodSync(files.cert, 0o644);
  return files;
}

export interface CreatePkiOptions {
  serverNames?: string[];
  /** Validity of every certificate, the CA's included. */
  days?: number;
}

/** A new CA in `dir` (its key kept as ca-key.pem, to issue more client certificates), the server's and one per role. */
export function createTemporalPki(dir: string, opts: CreatePkiOptions = {}): TemporalPki {
  const days = opts.days ?? 365;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const caKeys = newKeys();
  const ca = issueCertificate({ cn: 'M365 licence pipeline Temporal CA', publicPem: caKeys.publicKey, selfKeyPem: caKeys.privateKey, ca: true, days });
  const caPair = writePair(dir, { cert: PKI_FILES.ca, key: PKI_FILES.caKey }, ca, caKeys.privateKey);
  const signer = { cert: ca, keyPem: caKeys.privateKey };
  const serverKeys = newKeys();
  const serverNames = [...new Set([...DEFAULT_SERVER_NAMES, ...(opts.serverNames ?? [])])];
  const server = writePair(
    dir,
    { cert: PKI_FILES.serverCert, key: PKI_FILES.serverKey },
    issueCertificate({ cn: serverNames[0]!, publicPem: serverKeys.publicKey, signer, serverNames, days }),
    serverKeys.privateKey,
  );
  const clients = Object.fromEntries(TEMPORAL_ROLES.map((role) => [role, issueClient(dir, signer, role, `m365-license ${role.replace(/^m365-/, '')}`, role, days)])) as Record<
    TemporalRole,
    CertFiles
  >;
  return { dir, caFile: caPair.cert, server, clients };
}

function issueClient(dir: string, signer: Signer, unit: string, cn: string, fileName: string, days: number): CertFiles {
  const k = newKeys();
  return writePair(
    dir,
    { cert: PKI_FILES.clientCert(fileName), key: PKI_FILES.clientKey(fileName) },
    issueCertificate({ cn, ou: unit, publicPem: k.publicKey, signer, days }),
    k.privateKey,
  );
}

/** The CA a PKI directory holds, to issue more certificates from. */
export function loadCa(dir: string): Signer {
  const certFile = path.join(dir, PKI_FILES.ca);
  const keyFile = path.join(dir, PKI_FILES.caKey);
  if (!existsSync(certFile) || !existsSync(keyFile)) throw new Error(`${dir} holds no CA (${PKI_FILES.ca} and ${PKI_FILES.caKey})`);
  return { cert: forge.pki.certificateFromPem(readFileSync(certFile, 'utf8')), keyPem: readFileSync(keyFile, 'utf8') };
}

/** One more client certificate from a directory's CA: `unit` is its role (or, in tests, a unit no role has). */
export function addClientCertificate(dir: string, opts: { unit: string; cn: string; fileName: string; days?: number; signer?: Signer }): CertFiles {
  return issueClient(dir, opts.signer ?? loadCa(dir), opts.unit, opts.cn, opts.fileName, opts.days ?? 365);
}
