// A local HTTPS webhook receiver (the simulator's CA; verification stays on) that checks each request's
// HMAC signature the way a real receiver would and records what it got.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../src/notify/webhook';
import { getPki } from '../../src/simulator/tls';

export interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
  valid: boolean;
}

/** An HTTPS receiver that verifies each request's signature and answers from `answers` (then 200). */
export async function startReceiver(secret: string, answers: number[] = []) {
  const pki = await getPki();
  const received: Received[] = [];
  const server: Server = createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const valid = verifyWebhookSignature({
        secret,
        body,
        timestamp: req.headers[TIMESTAMP_HEADER] as string | undefined,
        signature: req.headers[SIGNATURE_HEADER] as string | undefined,
      });
      received.push({ body, headers: req.headers, valid });
      res.statusCode = valid ? (answers.shift() ?? 200) : 401;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `https://localhost:${(server.address() as AddressInfo).port}/hooks/m365?token=abc`;
  return { url, caPem: pki.caPem, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}
