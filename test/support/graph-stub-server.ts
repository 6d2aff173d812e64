// A tiny HTTPS server with its own throwaway CA, for testing the Graph client's edge logic without the simulator.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import https from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import forge from 'node-forge';

export interface StubRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

export type StubHandler = (req: StubRequest, res: ServerResponse, n: number) => void;

export interface Stub {
  url: string;
  caPem: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

function selfSignedCa(): { caPem: string; keyPem: string; certPem: string } {
  const mk = () => generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
  const caKeys = mk();
  const srvKeys = mk();
  const cert = (cn: string, pub: string, isCa: boolean, issuer?: forge.pki.Certificate) => {
    const c = forge.pki.createCertificate();
    c.publicKey = forge.pki.publicKeyFromPem(pub);
    c.serialNumber = '01' + randomBytes(8).toString('hex');
    c.validity.notBefore = new Date(Date.now() - 3600_000);
    c.validity.notAfter = new Date(Date.now() + 86400_000);
    const subject = [{ name: 'commonName', value: cn }];
    c.setSubject(subject);
    c.setIssuer(issuer ? issuer.subject.attributes : subject);
    const exts: object[] = [{ name: 'basicConstraints', cA: isCa }];
    if (isCa) exts.push({ name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true });
    else
      exts.push({
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      });
    c.setExtensions(exts);
    c.sign(forge.pki.privateKeyFromPem(caKeys.privateKey), forge.md.sha256.create());
    return c;
  };
  const ca = cert('Graph test CA', caKeys.publicKey, true);
  const srv = cert('localhost', srvKeys.publicKey, false, ca);
  return { caPem: forge.pki.certificateToPem(ca), keyPem: srvKeys.privateKey, certPem: forge.pki.certificateToPem(srv) };
}

let pki: ReturnType<typeof selfSignedCa> | undefined;

export async function startStub(handler: StubHandler): Promise<Stub> {
  pki ??= selfSignedCa();
  const requests: StubRequest[] = [];
  const server = https.createServer({ key: pki.keyPem, cert: pki.certPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r: StubRequest = { method: req.method ?? 'GET', path: req.url ?? '/', headers: req.headers, body: Buffer.concat(chunks).toString(), at: Date.now() };
      requests.push(r);
      handler(r, res, requests.length);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://localhost:${port}`,
    caPem: pki.caPem,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A JWT-shaped string with the given roles (unsigned; the client never validates Graph tokens). */
export function fakeToken(roles: string[]): string {
  const b = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'none', typ: 'JWT' })}.${b({ roles, tid: 't', appid: 'a' })}.sig`;
}

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'request-id': `req-${status}`, ...headers });
  res.end(JSON.stringify(body));
}
