// The second leg of a usage-report download: the pre-authenticated link Graph redirects to is fetched
// WITHOUT the bearer token and streamed to disk, hashed and line-counted on the way, so memory stays flat.
import { createHash, randomUUID } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { request, type Agent, type Dispatcher } from 'undici';
import { GraphThrottledError, GraphTransientError } from './errors';
import { networkFailure } from './failures';
import { header, parseGraphError, parseRetryAfter } from './http';

type ResponseData = Dispatcher.ResponseData;

export interface DownloadResult {
  bytes: number;
  sha256: string;
  /** Lines after the header (newline count, plus an unterminated last line, minus one). */
  rows: number;
}

/** GETs the pre-authenticated report link into `tmp`; a refused or expired link is retryable (a fresh one is asked for). */
export async function fetchReportBody(agent: Agent, timeoutMs: number, target: URL, tmp: string): Promise<DownloadResult> {
  const clientRequestId = randomUUID();
  let res: ResponseData;
  try {
    res = await request(target, {
      method: 'GET',
      // Pre-authenticated URL: the bearer token must never reach the reports host.
      headers: { 'client-request-id': clientRequestId, accept: 'application/octet-stream, text/csv, */*' },
      dispatcher: agent,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  } catch (err) {
    throw networkFailure(err, 'GET', target, clientRequestId);
  }
  if (res.statusCode !== 200) {
    const text = await res.body.text().catch(() => '');
    const requestId = header(res.headers, 'request-id') ?? parseGraphError(text).requestId;
    // An expired or rejected download link is cured by asking Graph for a fresh one.
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    const Cls = res.statusCode === 429 ? GraphThrottledError : GraphTransientError;
    throw new Cls(`The report download host answered HTTP ${res.statusCode}; a fresh download link will be requested.`, {
      status: res.statusCode,
      clientRequestId,
      requestId,
      retryAfterMs,
    });
  }
  return streamToFile(res, tmp, target, clientRequestId);
}

/** Streams a body to `file` (truncating it), hashing and counting lines on the way; memory stays flat. */
export async function streamToFile(res: ResponseData, file: string, url: URL, clientRequestId?: string): Promise<DownloadResult> {
  const hash = createHash('sha256');
  let bytes = 0;
  let newlines = 0;
  let last = -1;
  const meter = new Transform({
    transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback) {
      hash.update(chunk);
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) newlines++;
      if (chunk.length) last = chunk[chunk.length - 1] ?? -1;
      done(null, chunk);
    },
  });
  try {
    await pipeline(res.body, meter, createWriteStream(file));
  } catch (err) {
    throw networkFailure(err, 'GET', url, clientRequestId ?? '');
  }
  const expected = Number(header(res.headers, 'content-length'));
  if (Number.isFinite(expected) && header(res.headers, 'content-length') !== undefined && expected !== bytes) {
    throw new GraphTransientError(`The report body ended after ${bytes} of ${expected} bytes; downloading again.`, { clientRequestId });
  }
  const fh = await open(file, 'r+');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
  const lines = newlines + (bytes > 0 && last !== 10 ? 1 : 0);
  return { bytes, sha256: hash.digest('hex'), rows: Math.max(0, lines - 1) };
}
