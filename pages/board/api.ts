// The operator's REST API, for what the socket does not carry: the roster, the day's event
// log and the join links. Every call sends the operator token; errors keep the server's code.
import type { ErrorBody } from '../../signaling/contract.js';
import type { SitesResponse } from './model.js';

/** A refusal or failure, with the server's error code ('network' when it was not reached). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface EventEntry {
  seq?: number;
  at: string;
  type: string;
  siteId?: string;
  data?: Record<string, unknown>;
}

const TIMEOUT_MS = 10_000;

export class OperatorApi {
  constructor(readonly token: string) {}

  async #call<T>(method: 'GET' | 'POST', path: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, accept: 'application/json' },
        cache: 'no-store',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (err) {
      throw new ApiError(0, 'network', (err as Error).message);
    }
    const body = (await res.json().catch(() => null)) as { error?: ErrorBody } | null;
    if (!res.ok) {
      throw new ApiError(res.status, body?.error?.code ?? 'other', body?.error?.message ?? `HTTP ${res.status}`);
    }
    return body as T;
  }

  sites(): Promise<SitesResponse> {
    return this.#call<SitesResponse>('GET', '/api/sites');
  }

  async events(since: string): Promise<EventEntry[]> {
    const q = new URLSearchParams({ since, limit: '2000' });
    return (await this.#call<{ events: EventEntry[] }>('GET', `/api/events?${q}`)).events;
  }

  async joinLink(siteId: string): Promise<string> {
    return (await this.#call<{ url: string }>('GET', `/api/sites/${encodeURIComponent(siteId)}/join-link`)).url;
  }

  async reissue(siteId: string): Promise<string> {
    return (await this.#call<{ url: string }>('POST', `/api/sites/${encodeURIComponent(siteId)}/reissue`)).url;
  }
}
