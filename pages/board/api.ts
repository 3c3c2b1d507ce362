// The operator's REST API, for what the socket does not carry: the roster, the day's event
// log, the join links, the sessions and the rehearsal reports. Every call sends the operator
// token (so even a download goes through fetch: a plain link cannot send it); errors keep the
// server's code and message.
import type { Site } from '../../config/roster.js';
import type { CheckSeverity } from '../../contract/checks.js';
import type { ConferenceView, ErrorBody, SiteStatusView, TechnicianAlertView } from '../../contract/index.js';

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

export type RehearsalResult = 'pass' | 'fail' | 'absent';

/** One entry of GET /api/sites: the roster entry and its status when it was read. */
export type SiteEntry = Site & {
  state: SiteStatusView['state'];
  since: string | null;
  reason: string | null;
  transport: 'udp' | 'tcp' | null;
  flags: Record<string, boolean>;
  metrics: Record<string, number | null>;
  /** This site's result in the latest rehearsal that had begun when the roster was read. */
  lastRehearsal?: RehearsalResult | null;
};

/** GET /api/sites: the sites and the latest rehearsal they were checked in. */
export interface SitesResponse {
  sites: SiteEntry[];
  lastRehearsal?: { sessionId: string; title: string; startsAt: string; status: string } | null;
}

/** GET /api/conference: the conference now, and the zone the briefing's clock runs in. */
export type ConferenceResponse = ConferenceView & { timeZone: string };

export interface EventEntry {
  seq?: number;
  at: string;
  type: string;
  siteId?: string;
  data?: Record<string, unknown>;
}

export type SessionKind = 'rehearsal' | 'live';
export type SessionStatus = 'scheduled' | 'open' | 'ended' | 'cancelled' | 'missed';

/** One entry of GET /api/sessions: stored in UTC, with its start in the schedule's zone. */
export interface SessionView {
  id: string;
  kind: SessionKind;
  title: string;
  startsAt: string;
  /** "2012-06-22 08:00 (UTC+07:00)": the schedule's own wall clock. */
  startsAtLocal: string;
  endsAt: string;
  durationMinutes: number;
  status: SessionStatus;
  siteIds: string[];
  timeZone: string;
  /** Set once the scheduler opened it: a rehearsal without it never ran. */
  openedAt?: string;
}

/** POST /api/sessions/plan: the briefing day; the server fills in 16:30 the day before and 08:00. */
export interface PlanRequest {
  date: string;
  title?: string;
}

/** One check of a site in a rehearsal: a code with parameters the board words; `reason` is English. */
export interface CheckView {
  name: string;
  pass: boolean;
  value: string | number | boolean | null;
  reason: string;
  /** Absent from checks stored before they had codes. */
  code?: string;
  params?: Record<string, string | number>;
  severity?: CheckSeverity;
}

export interface ReportSite {
  siteId: string;
  name: string;
  region: string;
  result: RehearsalResult;
  checkedAt: string | null;
  checks: CheckView[];
}

/** GET /api/sessions/:id/report. */
export interface RehearsalReport {
  sessionId: string;
  title: string;
  startsAt: string;
  sessionStatus?: SessionStatus;
  status: 'running' | 'complete';
  totals: Record<RehearsalResult, number>;
  lastPassAt: string | null;
  sites: ReportSite[];
}

export interface RetestOutcome {
  retesting: string[];
  notConnected: string[];
}

/** A file the server sent, with the name it suggested. */
export interface Download {
  blob: Blob;
  filename: string | null;
}

/** One file of a recording (GET /api/recordings). */
export interface RecordingSegmentView {
  n: number;
  startedAt: string;
  /** Absent while it is being written. */
  endedAt?: string;
  seconds: number | null;
  bytes: number;
  /** Whose camera it shows, and who is heard. */
  video: string | null;
  audio: string[];
  end?: 'switch' | 'crash' | 'stop';
}

/** A recording of the briefing, with its totals. */
export interface RecordingView {
  id: string;
  sessionId: string | null;
  state: 'recording' | 'stopped' | 'failed';
  by: 'session' | 'operator';
  startedAt: string;
  stoppedAt?: string;
  stopReason?: string;
  restarts: number;
  seconds: number;
  bytes: number;
  segments: RecordingSegmentView[];
  /** While it records: whose video and audio it takes now. */
  now?: { video: string | null; audio: string[] };
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

const TIMEOUT_MS = 10_000;
const session = (id: string) => `/api/sessions/${encodeURIComponent(id)}`;

export class OperatorApi {
  constructor(readonly token: string) {}

  /** The response when it is a success; otherwise the server's error as an ApiError. */
  async #fetch(
    method: Method,
    path: string,
    body?: unknown,
    accept = 'application/json',
    timeoutMs = TIMEOUT_MS,
  ): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(path, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ApiError(0, 'network', (err as Error).message);
    }
    if (!res.ok) {
      const error = ((await res.json().catch(() => null)) as { error?: ErrorBody } | null)?.error;
      throw new ApiError(res.status, error?.code ?? 'other', error?.message ?? `HTTP ${res.status}`);
    }
    return res;
  }

  async #call<T>(method: Method, path: string, body?: unknown): Promise<T> {
    const res = await this.#fetch(method, path, body);
    return (await res.json().catch(() => null)) as T;
  }

  sites(): Promise<SitesResponse> {
    return this.#call<SitesResponse>('GET', '/api/sites');
  }

  conference(): Promise<ConferenceResponse> {
    return this.#call<ConferenceResponse>('GET', '/api/conference');
  }

  async events(since: string): Promise<EventEntry[]> {
    const q = new URLSearchParams({ since, limit: '2000' });
    return (await this.#call<{ events: EventEntry[] }>('GET', `/api/events?${q}`)).events;
  }

  /** The alerts sent to the sites' technicians, newest first (the call list). */
  async alerts(): Promise<TechnicianAlertView[]> {
    return (await this.#call<{ alerts: TechnicianAlertView[] }>('GET', '/api/alerts')).alerts;
  }

  async joinLink(siteId: string): Promise<string> {
    return (await this.#call<{ url: string }>('GET', `/api/sites/${encodeURIComponent(siteId)}/join-link`)).url;
  }

  async reissue(siteId: string): Promise<string> {
    return (await this.#call<{ url: string }>('POST', `/api/sites/${encodeURIComponent(siteId)}/reissue`)).url;
  }

  async sessions(): Promise<SessionView[]> {
    return (await this.#call<{ sessions: SessionView[] }>('GET', '/api/sessions')).sessions;
  }

  plan(request: PlanRequest): Promise<{ rehearsal: SessionView; live: SessionView }> {
    return this.#call('POST', '/api/sessions/plan', request);
  }

  cancelSession(id: string): Promise<SessionView> {
    return this.#call('POST', `${session(id)}/cancel`);
  }

  report(id: string): Promise<RehearsalReport> {
    return this.#call('GET', `${session(id)}/report`);
  }

  retestFailed(id: string): Promise<RetestOutcome> {
    return this.#call('POST', `${session(id)}/retest-failed`);
  }

  async retestSite(id: string, siteId: string): Promise<void> {
    await this.#call('POST', `${session(id)}/sites/${encodeURIComponent(siteId)}/retest`);
  }

  reportCsv(id: string): Promise<Download> {
    return this.#download(`${session(id)}/report.csv`, 'text/csv');
  }

  reportHtml(id: string): Promise<Download> {
    return this.#download(`${session(id)}/report.html`, 'text/html');
  }

  async recordings(): Promise<RecordingView[]> {
    return (await this.#call<{ recordings: RecordingView[] }>('GET', '/api/recordings')).recordings;
  }

  startRecording(): Promise<RecordingView> {
    return this.#call('POST', '/api/recordings', {});
  }

  stopRecording(id: string): Promise<RecordingView> {
    return this.#call('POST', `/api/recordings/${encodeURIComponent(id)}/stop`);
  }

  recordingSegment(id: string, n: number): Promise<Download> {
    // A segment of an hour is hundreds of MB: its download gets far longer than a call.
    return this.#download(`/api/recordings/${encodeURIComponent(id)}/segments/${n}`, 'video/webm', 30 * 60_000);
  }

  async #download(path: string, accept: string, timeoutMs = TIMEOUT_MS): Promise<Download> {
    const res = await this.#fetch('GET', path, undefined, accept, timeoutMs);
    const disposition = res.headers.get('content-disposition') ?? '';
    return { blob: await res.blob(), filename: /filename="([^"]+)"/.exec(disposition)?.[1] ?? null };
  }
}
