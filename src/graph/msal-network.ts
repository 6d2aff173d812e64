// MSAL's HTTP on undici, so the authority host is verified against the configured CA (the simulator's) with
// TLS verification on, and each call's outcome is kept so MSAL's generic errors can be classified precisely.
import type { INetworkModule, NetworkRequestOptions, NetworkResponse } from '@azure/msal-node';
import { request, type Agent } from 'undici';
import { header, parseRetryAfter } from './http';

export interface TokenOutcome {
  status?: number;
  errorCodes?: number[];
  error?: string;
  traceId?: string;
  retryAfterMs?: number;
  networkError?: unknown;
}

/** Marks a token-endpoint response that MSAL must not see (429/5xx), so MSAL does not cache a throttle. */
export class TokenEndpointUnavailable extends Error {
  override name = 'TokenEndpointUnavailable';
}

/**
 * MSAL's INetworkModule on undici, so the authority host is verified against the configured CA.
 * It records the outcome of each call so that MSAL's generic errors can be classified precisely.
 */
export class UndiciNetworkModule implements INetworkModule {
  constructor(
    private readonly agent: Agent,
    private readonly onOutcome: (o: TokenOutcome) => void,
    private readonly timeoutMs = 30_000,
  ) {}

  sendGetRequestAsync<T>(url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    return this.send<T>('GET', url, options, timeout);
  }

  sendPostRequestAsync<T>(url: string, options?: NetworkRequestOptions): Promise<NetworkResponse<T>> {
    return this.send<T>('POST', url, options);
  }

  private async send<T>(method: 'GET' | 'POST', url: string, options?: NetworkRequestOptions, timeout?: number): Promise<NetworkResponse<T>> {
    const ms = timeout ?? this.timeoutMs;
    let res: Awaited<ReturnType<typeof request>>;
    let text: string;
    try {
      res = await request(url, {
        method,
        headers: options?.headers,
        body: method === 'POST' ? (options?.body ?? '') : undefined,
        dispatcher: this.agent,
        headersTimeout: ms,
        bodyTimeout: ms,
      });
      text = await res.body.text();
    } catch (networkError) {
      this.onOutcome({ networkError });
      throw networkError;
    }
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      body = {
        error: res.statusCode >= 500 ? 'server_error' : 'client_error',
        error_description: `The authority answered HTTP ${res.statusCode} with a body that is not JSON.`,
      };
    }
    const outcome: TokenOutcome = {
      status: res.statusCode,
      error: typeof body.error === 'string' ? body.error : undefined,
      errorCodes: Array.isArray(body.error_codes) ? body.error_codes.filter((c): c is number => typeof c === 'number') : undefined,
      traceId: typeof body.trace_id === 'string' ? body.trace_id : header(res.headers, 'x-ms-request-id'),
      retryAfterMs: parseRetryAfter(res.headers['retry-after']),
    };
    this.onOutcome(outcome);
    if (res.statusCode === 429 || res.statusCode >= 500) {
      throw new TokenEndpointUnavailable(`The authority answered HTTP ${res.statusCode}.`);
    }
    return { headers, body: body as T, status: res.statusCode };
  }
}
