// Generated PKI: a CA, a server certificate for localhost/127.0.0.1 signed by it, and a self-signed client
// certificate for certificate (client assertion) authentication. Keys come from Node's crypto (fast, native);
// node-forge only builds and signs the X.509 structures.
import { createHash, generateKeyPair, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface Pki {
  caPem: string;
  serverKeyPem: string;
  serverCertPem: string;
  clientCertPem: string;
  clientKeyPem: string;
  /** SHA-1 of the client certificate's DER, uppercase hex (what the Azure portal shows and MSAL wants). */
  clientThumbprint: string;
  /** SHA-256 of the client certificate's DER, hex. */
  clientThumbprintSha256: string;
  /** Key that signs access tokens. */
  signingKeyPem: string;
  signingPublicPem: string;
}

const rsa = (): Promise<{ publicKey: string; privateKey: string }> =>
  new Promise((resolve, reject) =>
    generateKeyPair(
      'rsa',
      { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } },
      (err, publicKey, privateKey) => (err ? reject(err) : resolve({ publicKey, privateKey })),
    ),
  );

function makeCert(opts: {
  subjectCN: string;
  publicPem: string;
  signerKeyPem: string;
  issuer?: forge.pki.Certificate;
  ca: boolean;
  server: boolean;
  client: boolean;
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(opts.publicPem);
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  const now = Date.now();
  cert.validity.notBefore = new Date(now - 24 * 3600 * 1000);
  cert.validity.notAfter = new Date(now + 2 * 365 * 24 * 3600 * 1000);
  const subject = [
    { name: 'commonName', value: opts.subjectCN },
    { name: 'organizationName', value: 'M365 Simulator' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(opts.issuer ? opts.issuer.subject.attributes : subject);
  const exts: object[] = [{ name: 'basicConstraints', cA: opts.ca, critical: opts.ca }];
  if (opts.ca) exts.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true });
  else exts.push({ name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true });
  if (opts.server || opts.client) exts.push({ name: 'extKeyUsage', serverAuth: opts.server, clientAuth: opts.client });
  if (opts.server) {
    exts.push({
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    });
  }
  exts.push({ name: 'subjectKeyIdentifier' });
  cert.setExtensions(exts);
  cert.sign(forge.pki.privateKeyFromPem(opts.signerKeyPem), forge.md.sha256.create());
  return cert;
}

const derOf = (cert: forge.pki.Certificate): Buffer => Buffer.from(forge.asn1.toDer(forge.pki.certificateToAsn1(cert)).getBytes(), 'binary');

let cached: Promise<Pki> | undefined;

/** Generates the PKI once per process (key generation is the slow part; every simulator in a test file reuses it). */
export function getPki(): Promise<Pki> {
  cached ??= (async () => {
    const [caKeys, serverKeys, clientKeys, signing] = await Promise.all([rsa(), rsa(), rsa(), rsa()]);
    const ca = makeCert({ subjectCN: 'M365 Simulator Root CA', publicPem: caKeys.publicKey, signerKeyPem: caKeys.privateKey, ca: true, server: false, client: false });
    const server = makeCert({ subjectCN: 'localhost', publicPem: serverKeys.publicKey, signerKeyPem: caKeys.privateKey, issuer: ca, ca: false, server: true, client: false });
    const client = makeCert({ subjectCN: 'm365-license-pipeline', publicPem: clientKeys.publicKey, signerKeyPem: clientKeys.privateKey, ca: false, server: false, client: true });
    const der = derOf(client);
    return {
      caPem: forge.pki.certificateToPem(ca),
      serverKeyPem: serverKeys.privateKey,
      serverCertPem: forge.pki.certificateToPem(server),
      clientCertPem: forge.pki.certificateToPem(client),
      clientKeyPem: clientKeys.privateKey,
      clientThumbprint: createHash('sha1').update(der).digest('hex').toUpperCase(),
      clientThumbprintSha256: createHash('sha256').update(der).digest('hex'),
      signingKeyPem: signing.privateKey,
      signingPublicPem: signing.publicKey,
    };
  })();
  return cached;
}
