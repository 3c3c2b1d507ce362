// One signed POST of a webhook: the Standard Webhooks headers (webhook-id, webhook-timestamp,
// webhook-signature: an HMAC-SHA256 of "id.timestamp.body" with the secret), a timeout, and the
// outcome as a value, never a throw: the deliverer decides what a failure means.
import { Webhook } from 'standardwebhooks';

export type SendOutcome =
  | { readonly ok: true; readonly status: number; readonly ms: number }
  | {
      readonly ok: false;
      readonly status?: number;
      readonly error: string;
      readonly ms: number;
      /** The receiver's Retry-After, in ms, when it said one (429, 503). */
      readonly retryAfterMs?: number;
    };

export class WebhookSender {
  readonly #signer: Webhook;
  readonly #timeoutMs: number;

  constructor(secret: string, timeoutMs: number) {
    this.#signer = new Webhook(secret);
    this.#timeoutMs = timeoutMs;
  }

  /** The three headers for a message sent now (the timestamp is the send time, as the standard asks). */
  headers(messageId: string, body: string, now = new Date()): Record<string, string> {
    return {
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
      'webhook-signature': this.#signer.sign(messageId, now, body),
    };
  }

  async send(url: string, messageId: string, body: string, signal?: AbortSignal): Promise<SendOutcome> {
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'giao-ban', ...this.headers(messageId, body) },
        body,
        redirect: 'manual',
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const why = timeout.aborted
        ? `no answer within ${this.#timeoutMs} ms`
        : (e.cause?.code ?? e.cause?.message ?? e.message);
      return { ok: false, error: why, ms: ms() };
    }
    // The body is not needed; reading it lets the connection be reused.
    await res.arrayBuffer().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, ms: ms() };
    const retryAfter = Number(res.headers.get('retry-after'));
    return {
      ok: false,
      status: res.status,
      error: `HTTP ${res.status}`,
      ms: ms(),
      ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
    };
  }
}

/** Exponential backoff with full jitter: a random delay up to base·2^(n-1), capped. */
export function retryDelay(attempt: number, baseMs: number, maxMs: number, random = Math.random): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(random() * ceiling);
}
