// What the operator can do to a site. The conference actions go over the /operator socket
// (its ack says whether they worked); the join links are REST only. Every action resolves to
// a Result, so the caller shows a refusal plainly instead of losing it.
import type { ConferenceView } from '../../contract/index.js';
import { ApiError, type OperatorApi } from './api.js';
import type { ActionError, OperatorLink, Result } from './connection.js';
import { type StringKey, t } from './i18n.js';

export class Actions {
  constructor(
    readonly link: OperatorLink,
    readonly api: OperatorApi,
    /** Every ack that carries the conference view, applied at once (the push follows). */
    readonly onConference: (view: ConferenceView) => void,
  ) {}

  async #conference(request: Promise<Result<ConferenceView>>): Promise<Result<ConferenceView>> {
    const result = await request;
    if (result.ok) this.onConference(result.data);
    return result;
  }

  giveFloor(siteId: string) {
    return this.#conference(this.link.request('floor:give', { siteId }));
  }

  takeFloor() {
    return this.#conference(this.link.request('floor:take', {}));
  }

  mute(siteId: string, muted: boolean) {
    return this.#conference(this.link.request('site:mute', { siteId, muted }));
  }

  restartIce(siteId: string) {
    return this.link.request('site:restart-ice', { siteId });
  }

  disconnect(siteId: string) {
    return this.link.request('site:disconnect', { siteId });
  }

  /** A short message on one site's page (siteId) or on every page (null). */
  message(siteId: string | null, text: string) {
    return this.link.request('site:message', { siteId, text });
  }

  joinLink(siteId: string): Promise<Result<string>> {
    return rest(this.api.joinLink(siteId));
  }

  reissue(siteId: string): Promise<Result<string>> {
    return rest(this.api.reissue(siteId));
  }
}

async function rest<T>(call: Promise<T>): Promise<Result<T>> {
  try {
    return { ok: true, data: await call };
  } catch (err) {
    const e = err instanceof ApiError ? err : new ApiError(0, 'other', String(err));
    return { ok: false, error: { code: e.code === 'network' ? 'offline' : e.code, message: e.message } };
  }
}

const knownCodes: Record<string, StringKey> = {
  unauthorized: 'error.unauthorized',
  not_found: 'error.not_found',
  conflict: 'error.conflict',
  bad_request: 'error.bad_request',
  timeout: 'error.timeout',
  offline: 'error.offline',
};

/** "Không thực hiện được: điểm cầu chưa kết nối (conflict: site "x" is not connected)". */
export function describeError(error: ActionError): string {
  const plain = t(knownCodes[error.code] ?? 'error.other');
  return t('action.failed', { message: `${plain} (${error.code}: ${error.message})` });
}

/** Copy to the clipboard; false when the browser will not (plain http, or no permission). */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (!navigator.clipboard) return false;
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

/**
 * A failed REST call in plain words: the server's own message as it is (it says what to fix,
 * e.g. which session overlaps), or why the server was not heard from.
 */
export function failureText(err: unknown): string {
  if (!(err instanceof ApiError)) return String(err);
  if (err.code === 'network') return `${t('error.offline')} (${err.message})`;
  return err.message;
}
