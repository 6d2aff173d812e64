// The tests' PKI for the real Temporal server: the one `m365-license temporal-certs` makes (src/temporal/pki.ts),
// plus what an attacker would hold: a certificate whose unit has no role, and one with a valid role from a CA the
// server does not trust.
import path from 'node:path';
import { addClientCertificate, createTemporalPki as createPki, loadCa, type CertFiles, type TemporalRole } from '../../src/temporal/pki';

export type { CertFiles, TemporalRole };

export interface TemporalPki {
  caFile: string;
  server: CertFiles;
  client(role: TemporalRole | 'm365-strangers'): CertFiles;
  /** A client certificate with a valid role, signed by a CA the server does not trust. */
  foreign: CertFiles;
}

export function createTemporalPki(dir: string): TemporalPki {
  const pki = createPki(dir, { days: 30 });
  const strangers = addClientCertificate(dir, { unit: 'm365-strangers', cn: 'test m365-strangers', fileName: 'm365-strangers', days: 30, signer: loadCa(dir) });
  const otherDir = path.join(dir, 'other-ca');
  createPki(otherDir, { days: 30 });
  const foreign = addClientCertificate(otherDir, { unit: 'm365-workers', cn: 'foreign worker', fileName: 'foreign', days: 30 });
  return { caFile: pki.caFile, server: pki.server, client: (role) => (role === 'm365-strangers' ? strangers : pki.clients[role]), foreign };
}
