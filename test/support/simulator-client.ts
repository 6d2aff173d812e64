// Test helpers: an undici client that trusts the simulator's CA explicitly, and an MSAL network module on it.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { Agent, request } from 'undici';
import type { SimulatorHandle } from '../../src/simulator/index';

export interface Res {
  status: number;
  headers: Record<string, string>;
  raw: Buffer;
  text: string;
  json: () => unknown;
}

const flat = (h: Record<string, string | string[] | undefined>): Record<string, string> =>
  Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : (v ?? '')]));

export class SimClient {
  readonly agent: Agent;
  token = '';
  constructor(readonly sim: SimulatorHandle) {
    this.agent = new Agent({ connect: { ca: sim.caPem } });
  }

  async fetch(url: string, init: { method?: 'GET' | 'POST' | 'PATCH'; headers?: Record<string, string>; body?: string; auth?: boolean } = {}): Promise<Res> {
    const headers: Record<string, string> = { ...(init.headers ?? {}) };
    if (init.auth !== false && this.token) headers.authorization = `Bearer ${this.token}`;
    const r = await request(url, { method: init.method ?? 'GET', headers, body: init.body, dispatcher: this.agent });
    const raw = Buffer.from(await r.body.arrayBuffer());
    const text = raw.toString('utf8');
    return { status: r.statusCode, headers: flat(r.headers), raw, text, json: () => JSON.parse(text) as unknown };
  }

  async tokenRequest(form: Record<string, string>, tenant = this.sim.tenantId): Promise<Res> {
    return this.fetch(`${this.sim.authorityHost}/${tenant}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
      body: new URLSearchParams(form).toString(),
      auth: false,
    });
  }

  async login(): Promise<string> {
    const r = await this.tokenRequest({
      client_id: this.sim.clientId,
      client_secret: this.sim.clientSecret,
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
    });
    if (r.status !== 200) throw new Error(`token: ${r.status} ${r.text}`);
    this.token = (r.json() as { access_token: string }).access_token;
    return this.token;
  }

  graph(pathAndQuery: string, init: Parameters<SimClient['fetch']>[1] = {}): Promise<Res> {
    return this.fetch(`${this.sim.graphUrl}${pathAndQuery}`, init);
  }

  /** Follows the report 302 without sending the bearer token to the download origin. */
  async report(pathAndQuery: string): Promise<{ redirect: Res; download: Res }> {
    const redirect = await this.graph(pathAndQuery);
    if (redirect.status !== 302) return { redirect, download: redirect };
    const download = await this.fetch(redirect.headers.location!, { auth: false });
    return { redirect, download };
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

/** MSAL Node network module on undici with the simulator's CA (TLS verification stays on). */
export function msalNetwork(agent: Agent): INetworkModule {
  const call = async <T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> => {
    const r = await request(url, { method, headers: options?.headers, body: options?.body, dispatcher: agent });
    const text = await r.body.text();
    return { status: r.statusCode, headers: flat(r.headers), body: (text ? JSON.parse(text) : {}) as T };
  };
  return {
    sendGetRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => call<T>('GET', url, options),
    sendPostRequestAsync: <T>(url: string, options?: NetworkRequestOptions) => call<T>('POST', url, options),
  };
}

export const hostOf = (url: string): string => new URL(url).host;
