// The request pipeline shared by both origins: log the request when its response ends, apply the fault engine's
// decision (delay, then a fault answer or the real handler).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Endpoint } from './faults';
import { readBody, sleep, type Exchange } from './http';
import type { RequestLogEntry, SimulatorState } from './state';

export type Runner = (
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: Endpoint | undefined,
  handler: (ex: Exchange) => void | Promise<void>,
  onFault: (ex: Exchange) => void,
) => Promise<void>;

/** `baseUrl` resolves request paths into URLs. */
export function createRunner(state: SimulatorState, baseUrl: string): Runner {
  const track = (req: IncomingMessage, res: ServerResponse, ex: { faultText?: string; endpoint?: string }): void => {
    const started = performance.now();
    const at = new Date().toISOString();
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      const e: RequestLogEntry = {
        method: req.method ?? '',
        host: req.headers.host ?? '',
        path: req.url ?? '',
        status: res.statusCode,
        authorization: req.headers.authorization !== undefined,
        ms: Math.round((performance.now() - started) * 10) / 10,
        at,
      };
      if (ex.endpoint) e.endpoint = ex.endpoint;
      if (ex.faultText) e.fault = ex.faultText;
      state.log(e);
    };
    res.on('finish', finish);
    res.on('close', finish);
  };

  return async (req, res, endpoint, handler, onFault) => {
    const url = new URL(req.url ?? '/', baseUrl);
    const body = req.method === 'POST' || req.method === 'PATCH' ? await readBody(req) : Buffer.alloc(0);
    const ex: Exchange = { req, res, url, body, decision: { delayMs: 0 } };
    if (endpoint) ex.endpoint = endpoint;
    track(req, res, ex);
    if (endpoint) ex.decision = state.faults.decide(endpoint);
    if (ex.decision.delayMs > 0) await sleep(ex.decision.delayMs);
    const rule = ex.decision.rule;
    if (rule && rule.kind !== 'reset') return onFault(ex);
    await handler(ex);
  };
}
