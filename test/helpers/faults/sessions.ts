// Sessions for the fault scenarios, made over the API: one that is open now and ends in a
// given number of seconds (a session lasts whole minutes, so it "started" in the past), the
// session's status, and the rehearsal report's per-site results.
import type { ServerProcess } from '../server-process.js';
import { until } from './wait.js';

export interface SessionView {
  readonly id: string;
  readonly kind: 'rehearsal' | 'live';
  readonly title: string;
  readonly status: string;
  readonly startsAt: string;
  readonly durationMinutes: number;
  readonly siteIds: string[];
}

/** A session of `kind` that is open now and ends `endsInS` seconds from now (at most 60). */
export async function sessionEndingIn(
  server: ServerProcess,
  kind: 'rehearsal' | 'live',
  endsInS: number,
  siteIds: readonly string[],
): Promise<SessionView> {
  const startsAt = new Date(Date.now() - (60 - endsInS) * 1000).toISOString();
  return (await server.post('/api/sessions', {
    kind,
    title: `fault ${kind}`,
    startsAt,
    durationMinutes: 1,
    siteIds,
  })) as SessionView;
}

export async function sessionStatus(server: ServerProcess, id: string): Promise<string> {
  return ((await server.get(`/api/sessions/${id}`)) as SessionView).status;
}

export function waitForStatus(server: ServerProcess, id: string, status: string, timeoutMs: number): Promise<true> {
  return until(`session ${id} ${status}`, async () => (await sessionStatus(server, id)) === status, {
    timeoutMs,
    everyMs: 250,
  });
}

export interface SiteResult {
  readonly siteId: string;
  readonly result: 'pass' | 'fail' | 'absent';
  /** When the stored result was made; null when nothing is stored for the site. */
  readonly checkedAt: string | null;
  /** The checks that failed, by name. */
  readonly failed: string[];
}

/** The rehearsal report's per-site results. */
export async function rehearsalResults(server: ServerProcess, id: string): Promise<SiteResult[]> {
  const report = (await server.get(`/api/sessions/${id}/report`)) as {
    sites: (Omit<SiteResult, 'failed'> & { checks?: { name: string; pass: boolean }[] })[];
  };
  return report.sites.map(({ siteId, result, checkedAt, checks }) => ({
    siteId,
    result,
    checkedAt,
    failed: (checks ?? []).filter((c) => !c.pass).map((c) => c.name),
  }));
}

/** The phase each instance's briefing is in (open, rehearsal, live). */
export async function phaseOf(server: ServerProcess): Promise<string> {
  return ((await server.get('/api/conference')) as { phase: string }).phase;
}
