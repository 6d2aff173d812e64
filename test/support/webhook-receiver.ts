// A local HTTPS webhook receiver (the simulator's CA; verification stays on) that checks each request's
// HMAC signature the way a real receiver would and records what it got.
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { EVENT_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhookSignature } from '../../src/notify/webhook';
import { getPki } from '../../src/simulator/tls';

export interface Received {
  body: string;
  headers: Record<string, string | string[] | undefined>;
  /** The event header (`reclamation.executed`, …). */
  kind: string;
  valid: boolean;
  /** What the receiver answered. */
  status: number;
}

export interface Receiver {
  url: string;
  caPem: string;
  received: Received[];
  /** Answer 503 to these (a receiver that is down); default none. */
  refuse?: (kind: string) => boolean;
  /** Free for a test's own switch used by `refuse`. */
  allowAwaiting?: boolean;
  close(): Promise<void>;
}

/** An HTTPS receiver that verifies each request's signature and answers from `answers` (then 200; 401 when the signature is wrong). */
export async function startReceiver(secret: string, answers: number[] = []): Promise<Receiver> {
  const pki = await getPki();
  const receiver: Receiver = { url: '', caPem: pki.caPem, received: [], close: async () => {} };
  const server: Server = createServer({ key: pki.serverKeyPem, cert: pki.serverCertPem }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const kind = String(req.headers[EVENT_HEADER] ?? '');
      const valid = verifyWebhookSignature({
        secret,
        body,
        timestamp: req.headers[TIMESTAMP_HEADER] as string | undefined,
        signature: req.headers[SIGNATURE_HEADER] as string | undefined,
      });
      const status = !valid ? 401 : receiver.refuse?.(kind) ? 503 : (answers.shift() ?? 200);
      receiver.received.push({ body, headers: req.headers, kind, valid, status });
      res.statusCode = status;
      res.end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  receiver.url = `https://localhost:${(server.address() as AddressInfo).port}/hooks/m365?token=abc`;
  receiver.close = () => new Promise<void>((r) => server.close(() => r()));
  return receiver;
}
